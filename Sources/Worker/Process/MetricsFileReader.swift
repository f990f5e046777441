import Platform

/// Reads lines appended to a trial's metrics file (`SWEEP_METRICS_FILE`) since the last call.
struct MetricsFileReader: Sendable {
  let path: String
  private var offset: off_t = 0
  private var splitter = LineSplitter()

  init(path: String) { self.path = path }

  mutating func readNewLines(final: Bool = false) -> [String] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var lines: [String] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    while true {
      let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
      guard count > 0 else { break }
      offset += off_t(count)
      lines += splitter.feed(buffer[0..<count])
    }
    if final, let last = splitter.finish() { lines.append(last) }
    return lines
  }
}
