/// Charges a paid lease for its machine time as events arrive.
///
/// The cumulative charge at time t is `rate × (min(t, paidUntil) − grantedAt)` rounded up;
/// each event is charged the difference from the previous one, so the charges of a lease's
/// attempts add up exactly to the cost of its whole paid time — no micro-dollar lost or counted twice.
public struct LeaseMeter: Hashable, Sendable {
  public var grantedAt: Timestamp
  /// Charging stops here (the end of the reserved paid time); `nil` for a free worker.
  public var paidUntil: Timestamp?
  /// The rate of one slot of the worker (hourly cost ÷ slots).
  public var rate: HourlyRate
  /// Charged so far.
  public private(set) var charged: MicroDollars

  public init(grantedAt: Timestamp, paidUntil: Timestamp?, rate: HourlyRate, charged: MicroDollars = .zero) {
    self.grantedAt = grantedAt
    self.paidUntil = paidUntil
    self.rate = rate
    self.charged = charged
  }

  /// The cost of one slot of a worker: its hourly cost divided by its slots, so that a fully busy
  /// worker costs exactly its price per hour.
  public static func slotRate(hourly: HourlyRate, slots: Int) -> HourlyRate {
    let slots = Int64(max(1, slots))
    let (quotient, remainder) = hourly.microDollarsPerHour.quotientAndRemainder(dividingBy: slots)
    return HourlyRate(microDollarsPerHour: quotient + (remainder > 0 ? 1 : 0))
  }

  /// Charges up to `time` and returns the increment (zero when time has not moved on).
  public mutating func charge(upTo time: Timestamp) -> MicroDollars {
    guard !rate.isFree else { return .zero }
    let end = paidUntil.map { min($0, time) } ?? time
    let total = rate.cost(of: end.since(grantedAt))
    guard total > charged else { return .zero }
    let increment = MicroDollars(total.value - charged.value)
    charged = total
    return increment
  }
}
