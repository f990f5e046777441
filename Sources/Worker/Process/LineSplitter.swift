/// Cuts a byte stream into lines; a line longer than `maxLine` is cut there, so a program that
/// never prints a newline cannot make the worker hold its whole output.
struct LineSplitter {
  private var pending: [UInt8] = []
  let maxLine: Int

  init(maxLine: Int = 64 * 1024) { self.maxLine = maxLine }

  /// Feeds bytes and returns the complete lines they finish (without the newline).
  mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
    var lines: [String] = []
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        lines.append(take())
      } else {
        pending.append(byte)
        if pending.count >= maxLine { lines.append(take()) }
      }
    }
    return lines
  }

  /// The unfinished last line, at end of stream.
  mutating func finish() -> String? { pending.isEmpty ? nil : take() }

  private mutating func take() -> String {
    var bytes = pending
    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
    pending.removeAll(keepingCapacity: true)
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The last lines of a stream, bounded in lines and bytes.
struct OutputTail {
  private(set) var lines: [String] = []
  let maxLines: Int
  let maxBytes: Int
  private var bytes = 0

  init(maxLines: Int = 50, maxBytes: Int = 8192) {
    self.maxLines = maxLines
    self.maxBytes = maxBytes
  }

  mutating func append(_ line: String) {
    let clipped = line.utf8.count > maxBytes ? String(line.prefix(maxBytes)) : line
    lines.append(clipped)
    bytes += clipped.utf8.count + 1
    while lines.count > maxLines || bytes > maxBytes, !lines.isEmpty {
      bytes -= lines.removeFirst().utf8.count + 1
    }
  }

  var text: String { lines.joined(separator: "\n") }
}
