import Platform
import Shared

/// Plain timestamped lines on stderr. Never prints a token or credential.
public struct WorkerLog: Sendable {
  public var name: String
  public init(name: String) { self.name = name }

  public func info(_ message: String) { write("info", message) }
  public func warning(_ message: String) { write("warn", message) }
  public func error(_ message: String) { write("error", message) }

  private func write(_ level: String, _ message: String) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let stamp = Timestamp(milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec / 1_000_000)).iso8601
    let line = "\(stamp) \(level) sweep-worker[\(name)]: \(message)\n"
    Descriptors.writeStandardError(line)
  }
}
