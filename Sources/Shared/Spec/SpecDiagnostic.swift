/// One problem found in a spec: where it is, which key, what is wrong and what was expected.
public struct SpecDiagnostic: Hashable, Sendable, Codable {
  /// Line and column in the file, when known.
  public var position: SourcePosition?
  /// The key path, e.g. `space.rank.int[1]`; `spec` for the document as a whole.
  public var path: String
  public var message: String

  public init(position: SourcePosition?, path: String, message: String) {
    self.position = position
    self.path = path
    self.message = message
  }

  /// `FILE:LINE:COL: key.path: message` — the form editors and CI logs understand.
  public func formatted(file: String) -> String {
    let place = position.map { "\(file):\($0.line):\($0.column)" } ?? file
    return "\(place): \(path): \(message)"
  }
}

/// A spec that could not be accepted, with **every** problem found, in file order.
public struct SpecValidationError: Error, Hashable, Sendable {
  public var file: String
  public var diagnostics: [SpecDiagnostic]

  public init(file: String, diagnostics: [SpecDiagnostic]) {
    self.file = file
    self.diagnostics = diagnostics.sorted {
      ($0.position ?? SourcePosition(line: .max, column: .max))
        < ($1.position ?? SourcePosition(line: .max, column: .max))
    }
  }

  /// One formatted line per diagnostic.
  public var lines: [String] { diagnostics.map { $0.formatted(file: file) } }
}

extension SpecValidationError: CustomStringConvertible {
  public var description: String { lines.joined(separator: "\n") }
}
