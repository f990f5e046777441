/// The syntax a spec is written in.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
  case yaml
  case json

  /// Picks the format from a file name (`.json`, `.yaml`, `.yml`) or, failing that, from the
  /// content: a document whose first non-blank character is `{` is JSON.
  public static func detect(fileName: String?, text: String) -> DocumentFormat {
    if let fileName {
      let lower = fileName.lowercased()
      if lower.hasSuffix(".json") { return .json }
      if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
    }
    let first = text.unicodeScalars.first { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") }
    return first == "{" ? .json : .yaml
  }
}

/// Limits that keep hostile documents from exhausting memory or the stack.
public enum DocumentLimits {
  /// Nesting deeper than this is rejected before parsing (specs are a few levels deep).
  public static let maxDepth = 64
  /// Documents with more nodes than this (after YAML aliases are expanded) are rejected.
  public static let maxNodes = 200_000
  /// Spec files larger than this are rejected unread.
  public static let maxBytes = 4 * 1024 * 1024
}
