/// A moment in wall-clock time, in milliseconds since the Unix epoch.
///
/// Leases expire and paid time is charged by these; they are persisted, so they must survive a
/// restart (a monotonic clock would not). Everything that needs "now" takes a ``WallClock``.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
  public var milliseconds: Int64

  public init(milliseconds: Int64) { self.milliseconds = milliseconds }

  public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

  public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
    Timestamp(milliseconds: lhs.milliseconds &+ rhs.wholeMilliseconds)
  }

  public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
    Timestamp(milliseconds: lhs.milliseconds &- rhs.wholeMilliseconds)
  }

  /// The time from `earlier` to `self` (negative if `earlier` is later).
  public func since(_ earlier: Timestamp) -> Duration { .milliseconds(milliseconds &- earlier.milliseconds) }

  /// Seconds since the epoch, for JSON and SQLite.
  public var seconds: Double { Double(milliseconds) / 1000 }

  /// ISO 8601 in UTC with milliseconds, e.g. `2026-12-01T08:00:19.250Z`.
  public var iso8601: String { CivilTime(self).iso8601 }

  public var description: String { iso8601 }
}

/// A source of the current time. Production uses the system clock; tests and the simulator
/// use ``ManualWallClock`` and move time themselves.
public protocol WallClock: Sendable {
  var now: Timestamp { get }
}

extension Duration {
  /// Whole milliseconds, truncated toward zero, saturating.
  public var wholeMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow { return seconds < 0 ? .min : .max }
    return ms &+ attoseconds / 1_000_000_000_000_000
  }

  /// Seconds as a `Double`, for display and JSON.
  public var secondsDouble: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

/// Converts a timestamp to a calendar date in UTC (proleptic Gregorian), without Foundation.
struct CivilTime {
  var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, millisecond: Int64

  init(_ timestamp: Timestamp) {
    let ms = timestamp.milliseconds
    var days = ms / 86_400_000
    var rest = ms % 86_400_000
    if rest < 0 {
      rest += 86_400_000
      days -= 1
    }
    hour = rest / 3_600_000
    minute = rest / 60_000 % 60
    second = rest / 1000 % 60
    millisecond = rest % 1000
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * mp + 2) / 5 + 1
    month = mp < 10 ? mp + 3 : mp - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  var iso8601: String {
    // Written byte by byte: every grant and heartbeat answer carries one, and interpolating
    // seven padded numbers was a tenth of a simulated heartbeat.
    if (0...9999).contains(year) {
      var bytes: [UInt8] = Array("0000-00-00T00:00:00.000Z".utf8)
      func put(_ value: Int64, at end: Int, width: Int) {
        var rest = value
        for offset in 0..<width {
          bytes[end - offset] = UInt8(48 + rest % 10)
          rest /= 10
        }
      }
      put(year, at: 3, width: 4)
      put(month, at: 6, width: 2)
      put(day, at: 9, width: 2)
      put(hour, at: 12, width: 2)
      put(minute, at: 15, width: 2)
      put(second, at: 18, width: 2)
      put(millisecond, at: 22, width: 3)
      return String(decoding: bytes, as: UTF8.self)
    }
    func pad(_ value: Int64, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return
      "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))Z"
  }
}
