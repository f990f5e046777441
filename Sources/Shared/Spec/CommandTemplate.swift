/// The argv that trains one configuration, with `{name}` placeholders.
///
/// Never a shell string: each element is one argument, so values cannot inject shell syntax.
/// `{{` and `}}` stand for literal braces.
public struct CommandTemplate: Hashable, Sendable {
  /// One argument: literal text and placeholders, in order.
  public var arguments: [[Segment]]

  public enum Segment: Hashable, Sendable {
    case literal(String)
    case placeholder(String)
  }

  /// Why an argument could not be read as a template.
  public enum ParseError: Error, Hashable, Sendable {
    case unclosedPlaceholder(column: Int)
    case strayClosingBrace(column: Int)
    case emptyPlaceholder(column: Int)
    case invalidPlaceholderName(String, column: Int)

    public var message: String {
      switch self {
      case .unclosedPlaceholder(let column):
        "'{' at character \(column) is never closed; write {name} for a placeholder or {{ for a literal brace"
      case .strayClosingBrace(let column):
        "'}' at character \(column) closes nothing; write }} for a literal brace"
      case .emptyPlaceholder(let column): "empty placeholder {} at character \(column); expected {parameter_name}"
      case .invalidPlaceholderName(let name, let column):
        "'{\(name)}' at character \(column) is not a placeholder name; expected letters, digits and '_'"
      }
    }
  }

  public init(arguments: [[Segment]]) { self.arguments = arguments }

  /// Parses one argument such as `"--rank={rank}"`.
  public static func parseArgument(_ text: String) throws(ParseError) -> [Segment] {
    var segments: [Segment] = []
    var literal = ""
    var characters = Array(text)[...]
    var column = 0
    while let character = characters.popFirst() {
      column += 1
      if character == "{" {
        if characters.first == "{" {
          characters.removeFirst()
          column += 1
          literal.append("{")
          continue
        }
        let start = column
        var name = ""
        var closed = false
        while let next = characters.popFirst() {
          column += 1
          if next == "}" {
            closed = true
            break
          }
          name.append(next)
        }
        guard closed else { throw .unclosedPlaceholder(column: start) }
        guard !name.isEmpty else { throw .emptyPlaceholder(column: start) }
        guard Identifier.isParameterName(name) else { throw .invalidPlaceholderName(name, column: start) }
        if !literal.isEmpty {
          segments.append(.literal(literal))
          literal = ""
        }
        segments.append(.placeholder(name))
      } else if character == "}" {
        guard characters.first == "}" else { throw .strayClosingBrace(column: column) }
        characters.removeFirst()
        column += 1
        literal.append("}")
      } else {
        literal.append(character)
      }
    }
    if !literal.isEmpty || segments.isEmpty { segments.append(.literal(literal)) }
    return segments
  }

  /// What `{output_dir}` renders to: the attempt's output folder exists only on the worker that
  /// runs it, so the worker replaces this marker. NUL never appears in a validated argument, so the
  /// marker cannot be mistaken for text the user wrote.
  public static let outputDirectoryMarker = "\u{0}output_dir\u{0}"

  /// Every placeholder name used, in order of first use.
  public var placeholders: [String] {
    var seen = Set<String>()
    return arguments.flatMap { $0 }.compactMap { segment in
      if case .placeholder(let name) = segment, seen.insert(name).inserted { return name }
      return nil
    }
  }

  /// The argv with every placeholder replaced by `values[name]`; unknown names are left
  /// as written (validation guarantees there are none).
  public func render(_ values: [String: String]) -> [String] {
    arguments.map { argument in
      argument.map { segment in
        switch segment {
        case .literal(let text): text
        case .placeholder(let name): values[name] ?? "{\(name)}"
        }
      }.joined()
    }
  }
}
