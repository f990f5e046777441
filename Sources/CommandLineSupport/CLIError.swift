import ArgumentParser

/// A failure the CLI reports as lines on stderr with a documented exit code (see docs/cli.md).
public struct CLIError: Error, CustomStringConvertible {
  /// 0 ok, 1 runtime failure, 2 bad input.
  public enum Kind: Int32, Sendable {
    case runtime = 1
    case badInput = 2
  }

  public var kind: Kind
  public var lines: [String]

  public init(_ kind: Kind, _ lines: [String]) {
    self.kind = kind
    self.lines = lines
  }

  public init(_ kind: Kind, _ line: String) { self.init(kind, [line]) }

  public var description: String { lines.joined(separator: "\n") }
}
