import Shared

/// The coordinator's own budget across sweeps (docs/budget.md, "The coordinator's budget"). Each
/// store applies it to every ledger change (``SchedulerStorage/outerLimit(_:)``); here it is
/// set, read, and moved on to a new month.
extension Scheduler {
  /// A monthly budget whose month is over starts the next (whole months after the last start).
  static func rollOuterPeriod<S: SchedulerStorage>(_ s: inout S, now: Timestamp) throws {
    guard let outer = try s.outerBudget() else { return }
    let start = outer.currentPeriodStart(at: now)
    if start > outer.periodStart { try s.startOuterPeriod(at: start, countingAll: false) }
  }

  /// Sets (or, with no amount, removes) the budget. A total budget counts everything spent on
  /// this coordinator; a monthly one counts from now, for 30 days, then the next 30. A new
  /// amount for the same period keeps the period running (raising the cap mid-month does not
  /// forget what the month spent).
  static func setOuterBudget<S: SchedulerStorage>(_ s: inout S, _ request: SetCoordinatorBudget, now: Timestamp)
    throws -> CoordinatorBudget
  {
    guard let amount = request.budgetUsd?.micros else {
      try s.setOuterBudget(nil)
      return try outerBudgetStatus(&s, now: now)
    }
    let period = request.period ?? .total
    try rollOuterPeriod(&s, now: now)
    if let current = try s.outerBudget(), current.period == period {
      try s.setOuterBudget(OuterBudget(budget: amount, period: period, periodStart: current.periodStart))
    } else {
      try s.setOuterBudget(OuterBudget(budget: amount, period: period, periodStart: now))
      try s.startOuterPeriod(at: now, countingAll: period == .total)
    }
    return try outerBudgetStatus(&s, now: now)
  }

  static func outerBudgetStatus<S: SchedulerStorage>(_ s: inout S, now: Timestamp) throws -> CoordinatorBudget {
    try rollOuterPeriod(&s, now: now)
    let outer = try s.outerBudget()
    let used = try s.outerUsage(excluding: nil)
    let reserved = try s.outerReserved()
    let spent = MicroDollars(used.value - reserved.value)
    return CoordinatorBudget(
      budgetUsd: outer.map { DollarAmount($0.budget) }, period: outer?.period,
      periodStartedAt: outer.map { $0.periodStart.iso8601 }, spentUsd: DollarAmount(spent),
      reservedUsd: DollarAmount(reserved),
      remainingUsd: outer.map { DollarAmount(MicroDollars(max(0, $0.budget.value - used.value))) })
  }
}
