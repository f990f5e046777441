/// A parsed YAML or JSON document with the position of every node, so that validation can
/// point at the exact line and column of a mistake. Scalars keep their source text; typing
/// (number, string, money) is decided by the spec decoder, never by a YAML resolver.
public indirect enum DocumentNode: Sendable, Hashable {
  case scalar(DocumentScalar)
  case sequence([DocumentNode], SourcePosition)
  case mapping([DocumentEntry], SourcePosition)

  /// Where the node starts.
  public var position: SourcePosition {
    switch self {
    case .scalar(let scalar): scalar.position
    case .sequence(_, let position), .mapping(_, let position): position
    }
  }

  /// A short name of the node's kind, for messages: "a string", "a list", "a mapping".
  public var kindDescription: String {
    switch self {
    case .scalar(let scalar):
      if scalar.isNull { return "null" }
      if scalar.quoted { return "a string" }
      if Int64(scalar.text) != nil || Double(scalar.text) != nil { return "a number" }
      return "a string"
    case .sequence: return "a list"
    case .mapping: return "a mapping"
    }
  }
}

/// A leaf value as written: its text, whether it was quoted, and where it is.
public struct DocumentScalar: Sendable, Hashable {
  public var text: String
  /// Quoted scalars are always strings; plain ones may be numbers, booleans or null.
  public var quoted: Bool
  public var position: SourcePosition

  public init(text: String, quoted: Bool, position: SourcePosition) {
    self.text = text
    self.quoted = quoted
    self.position = position
  }

  /// A plain `null`, `~` or empty value (YAML) or JSON `null`.
  public var isNull: Bool {
    !quoted && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
  }
}

/// One key of a mapping with its value.
public struct DocumentEntry: Sendable, Hashable {
  public var key: DocumentScalar
  public var value: DocumentNode

  public init(key: DocumentScalar, value: DocumentNode) {
    self.key = key
    self.value = value
  }
}
