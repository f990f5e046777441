/// A cap across every sweep of one coordinator (`sweep serve --budget-usd`, `PUT /v1/budget`),
/// total or per month (30 days), which each sweep's own budget nests under: a sweep may commit
/// only what both allow.
public struct OuterBudget: Hashable, Sendable {
  public enum Period: String, Hashable, Sendable, Codable, CaseIterable {
    /// Everything ever spent on this coordinator counts.
    case total
    /// What was spent since the period began counts; a new period begins 30 days after the last.
    case month

    public var length: Duration? { self == .month ? .seconds(30 * 86_400) : nil }
  }

  public var budget: MicroDollars
  public var period: Period
  /// When the current period began (set when the budget was; moved on by whole periods).
  public var periodStart: Timestamp

  public init(budget: MicroDollars, period: Period, periodStart: Timestamp) {
    self.budget = budget
    self.period = period
    self.periodStart = periodStart
  }

  /// The start of the period `now` falls in: whole periods after ``periodStart``.
  public func currentPeriodStart(at now: Timestamp) -> Timestamp {
    guard let length = period.length?.wholeMilliseconds, length > 0, now > periodStart else { return periodStart }
    let periods = (now.milliseconds - periodStart.milliseconds) / length
    return Timestamp(milliseconds: periodStart.milliseconds + periods * length)
  }

  /// The most one sweep may commit (spent + reserved, counted from its all-time spend) when the
  /// other sweeps use `othersUsage` of this period and the sweep had spent `periodBase` before
  /// the period began: `periodBase + budget − othersUsage`.
  public static func limit(budget: MicroDollars, othersUsage: MicroDollars, periodBase: MicroDollars) -> MicroDollars {
    MicroDollars(periodBase.value &+ budget.value &- othersUsage.value)
  }
}
