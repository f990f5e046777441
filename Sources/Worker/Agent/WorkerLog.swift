import Logging
import Platform
import Shared

/// The worker's log: swift-log, written by ``WorkerLogHandler`` as plain timestamped lines on
/// stderr (`2026-12-02T11:22:48.123Z info sweep-worker[NAME]: message`). Never given a token or
/// credential.
public struct WorkerLog: Sendable {
  public var logger: Logger

  public init(name: String, level: Logger.Level = .info) {
    var logger = Logger(label: "sweep-worker") { _ in WorkerLogHandler(name: name) }
    logger.logLevel = level
    self.logger = logger
  }

  /// A log that writes through `logger` (tests collect lines with their own handler).
  public init(logger: Logger) { self.logger = logger }

  public func debug(_ message: @autoclosure () -> String) { logger.debug("\(message())") }
  public func info(_ message: @autoclosure () -> String) { logger.info("\(message())") }
  public func warning(_ message: @autoclosure () -> String) { logger.warning("\(message())") }
  public func error(_ message: @autoclosure () -> String) { logger.error("\(message())") }
}

/// Writes each record as one line on stderr in a single write(2), so that lines of concurrent
/// slots never interleave.
public struct WorkerLogHandler: LogHandler {
  public var name: String
  public var metadata: Logger.Metadata = [:]
  public var metadataProvider: Logger.MetadataProvider?
  public var logLevel: Logger.Level = .info

  public init(name: String) { self.name = name }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    Descriptors.writeStandardError(Self.line(event.level, event.message.description, name: name, at: Self.wallClock()))
  }

  /// The line for one record (without I/O, for tests).
  public static func line(_ level: Logger.Level, _ message: String, name: String, at stamp: Timestamp) -> String {
    "\(stamp.iso8601) \(label(level)) sweep-worker[\(name)]: \(message)\n"
  }

  /// The level words the log has always used (`warn`, not `warning`).
  static func label(_ level: Logger.Level) -> String {
    switch level {
    case .trace: "trace"
    case .debug: "debug"
    case .info, .notice: "info"
    case .warning: "warn"
    case .error, .critical: "error"
    }
  }

  static func wallClock() -> Timestamp {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Timestamp(milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec / 1_000_000))
  }
}
