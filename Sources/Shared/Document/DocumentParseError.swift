/// A document that is not well-formed YAML or JSON, with where the problem was found.
public struct DocumentParseError: Error, Sendable, Hashable {
  public var position: SourcePosition?
  public var message: String

  public init(position: SourcePosition?, message: String) {
    self.position = position
    self.message = message
  }
}
