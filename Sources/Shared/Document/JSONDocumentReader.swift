/// Reads JSON (RFC 8259) into a ``DocumentNode`` tree with line and column for every value.
///
/// Written here rather than borrowed from Foundation because Foundation's decoder reports no
/// positions. Strict: no comments, no trailing commas, no leading zeros, no duplicate keys are
/// rejected here (the spec decoder reports those with both positions).
public struct JSONDocumentReader {
  private var scalars: [Unicode.Scalar]
  private var index = 0
  private var line = 1
  private var column = 1
  private var depth = 0
  private var nodes = 0

  private init(_ text: String) { self.scalars = Array(text.unicodeScalars) }

  /// Parses a whole JSON document.
  public static func parse(_ text: String) throws(DocumentParseError) -> DocumentNode {
    var reader = JSONDocumentReader(text)
    reader.skipWhitespace()
    if reader.index == 0, reader.peek == "\u{FEFF}" { reader.advance() }
    reader.skipWhitespace()
    guard reader.peek != nil else {
      throw DocumentParseError(position: reader.here, message: "the document is empty; expected a JSON object")
    }
    let node = try reader.value()
    reader.skipWhitespace()
    if reader.peek != nil {
      throw reader.fail("unexpected \(reader.describePeek()) after the end of the document")
    }
    return node
  }

  private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
  private var here: SourcePosition { SourcePosition(line: line, column: column) }

  private mutating func advance() {
    guard index < scalars.count else { return }
    if scalars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  private func fail(_ message: String) -> DocumentParseError {
    DocumentParseError(position: here, message: message)
  }

  private func describePeek() -> String {
    guard let scalar = peek else { return "end of file" }
    if scalar.value < 0x20 || scalar.value == 0x7F {
      return "control character U+\(String(scalar.value, radix: 16, uppercase: true))"
    }
    return "'\(Character(scalar))'"
  }

  private mutating func skipWhitespace() {
    while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
      advance()
    }
  }

  private mutating func countNode() throws(DocumentParseError) {
    nodes += 1
    if nodes > DocumentLimits.maxNodes {
      throw fail("the document has more than \(DocumentLimits.maxNodes) values; a spec is far smaller")
    }
  }

  private mutating func value() throws(DocumentParseError) -> DocumentNode {
    try countNode()
    guard let scalar = peek else { throw fail("unexpected end of file; expected a value") }
    switch scalar {
    case "{": return try object()
    case "[": return try array()
    case "\"":
      let start = here
      return .scalar(DocumentScalar(text: try string(), quoted: true, position: start))
    case "-", "0"..."9": return try number()
    case "t": return try literal("true")
    case "f": return try literal("false")
    case "n": return try literal("null")
    default:
      throw fail("unexpected \(describePeek()); expected a value (object, array, string, number, true, false or null)")
    }
  }

  private mutating func enter() throws(DocumentParseError) {
    depth += 1
    if depth > DocumentLimits.maxDepth {
      throw fail("nesting deeper than \(DocumentLimits.maxDepth) levels; a spec is a few levels deep")
    }
  }

  private mutating func object() throws(DocumentParseError) -> DocumentNode {
    let start = here
    try enter()
    advance()
    var entries: [DocumentEntry] = []
    skipWhitespace()
    if peek == "}" {
      advance()
      depth -= 1
      return .mapping(entries, start)
    }
    while true {
      skipWhitespace()
      guard peek == "\"" else {
        throw fail("unexpected \(describePeek()); expected a key in double quotes")
      }
      let keyStart = here
      let key = DocumentScalar(text: try string(), quoted: true, position: keyStart)
      skipWhitespace()
      guard peek == ":" else { throw fail("unexpected \(describePeek()); expected ':' after the key \"\(key.text)\"") }
      advance()
      skipWhitespace()
      let item = try value()
      entries.append(DocumentEntry(key: key, value: item))
      skipWhitespace()
      if peek == "," {
        advance()
        skipWhitespace()
        if peek == "}" { throw fail("trailing comma before '}'; JSON allows none") }
        continue
      }
      if peek == "}" {
        advance()
        depth -= 1
        return .mapping(entries, start)
      }
      throw fail("unexpected \(describePeek()); expected ',' or '}' in the object that starts at \(start)")
    }
  }

  private mutating func array() throws(DocumentParseError) -> DocumentNode {
    let start = here
    try enter()
    advance()
    var items: [DocumentNode] = []
    skipWhitespace()
    if peek == "]" {
      advance()
      depth -= 1
      return .sequence(items, start)
    }
    while true {
      skipWhitespace()
      items.append(try value())
      skipWhitespace()
      if peek == "," {
        advance()
        skipWhitespace()
        if peek == "]" { throw fail("trailing comma before ']'; JSON allows none") }
        continue
      }
      if peek == "]" {
        advance()
        depth -= 1
        return .sequence(items, start)
      }
      throw fail("unexpected \(describePeek()); expected ',' or ']' in the array that starts at \(start)")
    }
  }

  private mutating func literal(_ word: String) throws(DocumentParseError) -> DocumentNode {
    let start = here
    for expected in word.unicodeScalars {
      guard peek == expected else { throw fail("unexpected \(describePeek()); expected '\(word)'") }
      advance()
    }
    return .scalar(DocumentScalar(text: word, quoted: false, position: start))
  }

  private mutating func number() throws(DocumentParseError) -> DocumentNode {
    let start = here
    var text = ""
    func isDigit(_ s: Unicode.Scalar?) -> Bool { s.map { $0 >= "0" && $0 <= "9" } ?? false }
    if peek == "-" {
      text.unicodeScalars.append("-")
      advance()
    }
    guard isDigit(peek) else { throw fail("unexpected \(describePeek()); expected a digit") }
    if peek == "0" {
      text.unicodeScalars.append("0")
      advance()
      if isDigit(peek) { throw fail("a number may not have leading zeros") }
    }
    while isDigit(peek), let digit = peek {
      text.unicodeScalars.append(digit)
      advance()
    }
    if peek == "." {
      text.unicodeScalars.append(".")
      advance()
      guard isDigit(peek) else { throw fail("unexpected \(describePeek()); expected a digit after '.'") }
      while isDigit(peek), let digit = peek {
        text.unicodeScalars.append(digit)
        advance()
      }
    }
    if peek == "e" || peek == "E" {
      text.unicodeScalars.append("e")
      advance()
      if let sign = peek, sign == "+" || sign == "-" {
        text.unicodeScalars.append(sign)
        advance()
      }
      guard isDigit(peek) else { throw fail("unexpected \(describePeek()); expected a digit in the exponent") }
      while isDigit(peek), let digit = peek {
        text.unicodeScalars.append(digit)
        advance()
      }
    }
    return .scalar(DocumentScalar(text: text, quoted: false, position: start))
  }

  private mutating func string() throws(DocumentParseError) -> String {
    let start = here
    advance()
    var text = String.UnicodeScalarView()
    while true {
      guard let scalar = peek else {
        throw DocumentParseError(position: start, message: "unterminated string; expected a closing '\"'")
      }
      if scalar == "\"" {
        advance()
        return String(text)
      }
      if scalar.value < 0x20 {
        throw fail("unescaped \(describePeek()) in a string; write it as an escape such as \\n")
      }
      if scalar == "\\" {
        advance()
        guard let escape = peek else { throw fail("unterminated escape at end of file") }
        switch escape {
        case "\"": text.append("\"")
        case "\\": text.append("\\")
        case "/": text.append("/")
        case "b": text.append("\u{08}")
        case "f": text.append("\u{0C}")
        case "n": text.append("\n")
        case "r": text.append("\r")
        case "t": text.append("\t")
        case "u":
          advance()
          let high = try hex4()
          if (0xD800..<0xDC00).contains(high) {
            guard peek == "\\" else {
              throw fail("a lone high surrogate \\u\(String(high, radix: 16)); expected its low half")
            }
            advance()
            guard peek == "u" else { throw fail("a lone high surrogate; expected \\u and its low half") }
            advance()
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else {
              throw fail("an invalid low surrogate \\u\(String(low, radix: 16))")
            }
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            if let value = Unicode.Scalar(combined) { text.append(value) }
          } else if let value = Unicode.Scalar(high) {
            text.append(value)
          } else {
            throw fail("a lone low surrogate \\u\(String(high, radix: 16))")
          }
          continue
        default:
          throw fail("unknown escape \\\(Character(escape)); expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
        advance()
        continue
      }
      text.append(scalar)
      advance()
    }
  }

  private mutating func hex4() throws(DocumentParseError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let scalar = peek, let digit = UInt32(String(scalar), radix: 16) else {
        throw fail("unexpected \(describePeek()); expected 4 hex digits after \\u")
      }
      value = value * 16 + digit
      advance()
    }
    return value
  }
}
