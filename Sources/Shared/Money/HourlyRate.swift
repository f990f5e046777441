/// A price per hour of machine time, in micro-dollars per hour (`$0.30/h` is `300_000`).
public struct HourlyRate: Hashable, Comparable, Sendable, Codable {
  /// Micro-dollars per hour.
  public var microDollarsPerHour: Int64

  public init(microDollarsPerHour: Int64) { self.microDollarsPerHour = microDollarsPerHour }

  /// A rate of `amount` per hour.
  public init(perHour amount: MicroDollars) { self.microDollarsPerHour = amount.value }

  /// A free machine: `$0/h`.
  public static let free = HourlyRate(microDollarsPerHour: 0)

  public var isFree: Bool { microDollarsPerHour == 0 }

  public static func < (lhs: HourlyRate, rhs: HourlyRate) -> Bool {
    lhs.microDollarsPerHour < rhs.microDollarsPerHour
  }

  /// The cost of running for `duration` at this rate, rounded **up** to the micro-dollar.
  ///
  /// Exact: the duration is taken in nanoseconds and multiplied at full width, so no
  /// precision is lost for any duration up to centuries or any rate up to Int64 µ$/h.
  /// Negative durations cost nothing. Saturates at `Int64.max` rather than trapping.
  public func cost(of duration: Duration) -> MicroDollars {
    let nanoseconds = duration.totalNanosecondsRoundedUp
    guard nanoseconds > 0, microDollarsPerHour > 0 else { return .zero }
    let nanosecondsPerHour: UInt64 = 3_600_000_000_000
    let product = UInt64(nanoseconds).multipliedFullWidth(by: UInt64(microDollarsPerHour))
    guard product.high < nanosecondsPerHour else { return MicroDollars(.max) }
    let (quotient, remainder) = nanosecondsPerHour.dividingFullWidth(product)
    let roundedUp = remainder > 0 ? quotient + 1 : quotient
    return MicroDollars(roundedUp > UInt64(Int64.max) ? .max : Int64(roundedUp))
  }

  /// How long this rate can run before it costs more than `amount` (rounded down to the
  /// nanosecond); `nil` for a free rate, which never runs out.
  public func duration(affordableWith amount: MicroDollars) -> Duration? {
    guard microDollarsPerHour > 0 else { return nil }
    guard amount.value > 0 else { return .zero }
    let nanosecondsPerHour: UInt64 = 3_600_000_000_000
    let product = UInt64(amount.value).multipliedFullWidth(by: nanosecondsPerHour)
    let rate = UInt64(microDollarsPerHour)
    guard product.high < rate else { return .seconds(Int64.max / 2) }
    let (nanoseconds, _) = rate.dividingFullWidth(product)
    return .nanoseconds(Int64(min(nanoseconds, UInt64(Int64.max))))
  }
}

extension Duration {
  /// Whole nanoseconds, rounding any sub-nanosecond remainder up (saturating).
  var totalNanosecondsRoundedUp: Int64 {
    let (seconds, attoseconds) = components
    let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    if overflow { return seconds < 0 ? .min : .max }
    var nanos = attoseconds / 1_000_000_000
    if attoseconds % 1_000_000_000 > 0 { nanos += 1 }
    let (total, overflow2) = fromSeconds.addingReportingOverflow(nanos)
    return overflow2 ? .max : total
  }
}
