import Foundation

/// Buffered writes to stdout and stderr, so that streaming a million JSON lines is not a
/// million system calls.
public struct StandardOutput {
  private var buffer = ""
  private let limit = 1 << 16

  public init() {}

  public mutating func line(_ text: String) {
    buffer += text
    buffer += "\n"
    if buffer.utf8.count >= limit { flush() }
  }

  public mutating func flush() {
    guard !buffer.isEmpty else { return }
    FileHandle.standardOutput.write(Data(buffer.utf8))
    buffer = ""
  }

  public static func error(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }
}
