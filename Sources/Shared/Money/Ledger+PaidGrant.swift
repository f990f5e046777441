/// What a paid lease takes from a sweep's ledger under whole-life billing (docs/budget.md).
public struct PaidLeaseGrant: Hashable, Sendable {
  public var terms: PaidTerms
  /// The lease's own hold.
  public var lease: Reservation
  /// The worker's idle window, newly reserved in this ledger beside the lease (nil: it was
  /// already held here, or this is the last lease).
  public var idleWindow: Reservation?
  /// The last lease: the worker's idle window paid for work too (it was not reserved, or was
  /// released into the lease); the worker exits when the lease ends.
  public var last: Bool
  /// Idle time the worker billed while no budget held it (before its first lease), now charged here.
  public var arrearsCharged: MicroDollars
}

extension Ledger {
  /// Grants a paid lease for `trials` trials with the worker's whole bill under the budget.
  ///
  /// - A full lease when it fits beside the worker's idle window (`window`, reserved here with the
  ///   lease unless `heldWindow` already holds it whole in this ledger) and its `arrears`.
  /// - Otherwise the last lease, fitted (``LeasePolicy/fittedGrant(trials:expectedTrial:slotRate:available:)``)
  ///   to everything left including the window held here: the worker takes no idle window
  ///   beyond it and exits when it ends.
  /// - `nil` (nothing changed) when not even one expected trial fits.
  ///
  /// `spent + reserved ≤ budget` holds afterwards whenever it held before.
  public mutating func grantPaidLease(
    policy: LeasePolicy, trials: Int, expectedTrial: Duration, slotRate: HourlyRate, window: MicroDollars,
    heldWindow: Reservation?, windowWhole: Bool, arrears: MicroDollars
  ) throws(LedgerError) -> PaidLeaseGrant? {
    guard window >= .zero, arrears >= .zero else { throw .negativeAmount(min(window, arrears)) }
    let beside = heldWindow == nil ? window : (windowWhole ? .zero : nil)
    if let beside, let need = beside.adding(arrears), available >= need,
      let terms = policy.fittedGrant(
        trials: trials, expectedTrial: expectedTrial, slotRate: slotRate,
        available: MicroDollars(available.value - need.value)),
      !terms.fitted
    {
      try chargeArrears(arrears)
      guard let lease = try reserve(terms.cost) else { return nil }
      let idle = heldWindow == nil ? try reserve(window) : nil
      return PaidLeaseGrant(terms: terms, lease: lease, idleWindow: idle, last: false, arrearsCharged: arrears)
    }
    let pool = available.value + (heldWindow?.amount.value ?? 0) - arrears.value
    guard pool > 0,
      let terms = policy.fittedGrant(
        trials: trials, expectedTrial: expectedTrial, slotRate: slotRate, available: MicroDollars(pool))
    else { return nil }
    if let heldWindow { try release(heldWindow) }
    try chargeArrears(arrears)
    guard let lease = try reserve(terms.cost) else { return nil }
    return PaidLeaseGrant(terms: terms, lease: lease, idleWindow: nil, last: true, arrearsCharged: arrears)
  }

  /// Spends `amount` now, within the budget (the caller checked it fits).
  private mutating func chargeArrears(_ amount: MicroDollars) throws(LedgerError) {
    guard amount > .zero, let hold = try reserve(amount) else { return }
    try settle(hold, actual: amount)
  }
}
