import Shared
import Yams

/// Reads YAML (via Yams/libyaml) into a ``DocumentNode`` tree with line and column for every node.
///
/// Scalars keep their text and whether they were quoted; the spec decoder types them, so
/// `1e-5` is a number whatever YAML 1.1's resolver thinks. Aliases are expanded, with a node
/// limit so that a "billion laughs" document is refused instead of exhausting memory.
public enum YAMLDocumentReader {
  /// Parses the first YAML document of `text`.
  public static func parse(_ text: String) throws(DocumentParseError) -> DocumentNode {
    if let deep = flowNestingViolation(text) { throw deep }
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw translate(error)
    } catch {
      throw DocumentParseError(position: nil, message: "not valid YAML: \(error)")
    }
    guard let root else {
      throw DocumentParseError(
        position: SourcePosition(line: 1, column: 1), message: "the document is empty; expected a mapping of spec keys")
    }
    var budget = DocumentLimits.maxNodes
    return try convert(root, depth: 0, budget: &budget)
  }

  private static func position(_ mark: Mark?) -> SourcePosition {
    SourcePosition(line: mark?.line ?? 1, column: mark?.column ?? 1)
  }

  private static func convert(_ node: Node, depth: Int, budget: inout Int) throws(DocumentParseError)
    -> DocumentNode
  {
    budget -= 1
    guard budget >= 0 else {
      throw DocumentParseError(
        position: position(node.mark),
        message: "the document expands to more than \(DocumentLimits.maxNodes) values (are aliases nested?)")
    }
    guard depth <= DocumentLimits.maxDepth else {
      throw DocumentParseError(
        position: position(node.mark), message: "nesting deeper than \(DocumentLimits.maxDepth) levels")
    }
    switch node {
    case .scalar(let scalar):
      return .scalar(
        DocumentScalar(
          text: scalar.string, quoted: scalar.style != .plain && scalar.style != .any, position: position(scalar.mark)))
    case .sequence(let sequence):
      var items: [DocumentNode] = []
      for item in sequence {
        items.append(try convert(item, depth: depth + 1, budget: &budget))
      }
      return .sequence(items, position(sequence.mark))
    case .mapping(let mapping):
      var entries: [DocumentEntry] = []
      for (key, value) in mapping {
        guard case .scalar(let keyScalar) = key else {
          throw DocumentParseError(
            position: position(key.mark),
            message: "a key must be a plain name, not \(key.mapping != nil ? "a mapping" : "a list")")
        }
        let converted = try convert(value, depth: depth + 1, budget: &budget)
        entries.append(
          DocumentEntry(
            key: DocumentScalar(
              text: keyScalar.string, quoted: keyScalar.style != .plain, position: position(keyScalar.mark)),
            value: converted))
      }
      return .mapping(entries, position(mapping.mark))
    case .alias(let alias):
      throw DocumentParseError(position: position(alias.mark), message: "an unresolved alias")
    }
  }

  private static func translate(_ error: YamlError) -> DocumentParseError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let contextText = context.map { " (\($0.text))" } ?? ""
      return DocumentParseError(position: position(mark), message: "not valid YAML: \(problem)\(contextText)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      let names = duplicates.map { Identifier.quoted($0) }.joined(separator: ", ")
      return DocumentParseError(
        position: position(context.mark),
        message: "the key \(names) appears more than once in one mapping (first here); keep one")
    case .reader(let problem, let offset, _, let yaml):
      return DocumentParseError(
        position: offset.map { positionOf(offset: $0, in: yaml) }, message: "not readable as YAML: \(problem)")
    default:
      return DocumentParseError(position: nil, message: "not valid YAML: \(error)")
    }
  }

  /// libyaml reports reader errors as a byte offset; turn it into a line and column.
  private static func positionOf(offset: Int, in text: String) -> SourcePosition {
    var line = 1
    var column = 1
    var consumed = 0
    for scalar in text.unicodeScalars {
      if consumed >= offset { break }
      consumed += String(scalar).utf8.count
      if scalar == "\n" {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return SourcePosition(line: line, column: column)
  }

  /// libyaml and Yams recurse per nesting level; refuse absurd flow nesting (`[[[[…`) up front.
  private static func flowNestingViolation(_ text: String) -> DocumentParseError? {
    var depth = 0
    var line = 1
    var column = 1
    var inQuote: Unicode.Scalar? = nil
    for scalar in text.unicodeScalars {
      defer {
        if scalar == "\n" {
          line += 1
          column = 1
        } else {
          column += 1
        }
      }
      if let quote = inQuote {
        if scalar == quote || scalar == "\n" { inQuote = nil }
        continue
      }
      switch scalar {
      case "\"", "'": inQuote = scalar
      case "[", "{":
        depth += 1
        if depth > DocumentLimits.maxDepth {
          return DocumentParseError(
            position: SourcePosition(line: line, column: column),
            message: "nesting deeper than \(DocumentLimits.maxDepth) levels; a spec is a few levels deep")
        }
      case "]", "}": depth = max(0, depth - 1)
      default: break
      }
    }
    return nil
  }
}
