import Shared

extension Scheduler {
  /// Books one attempt of a trial priced per job (``SweepSpec/trialPrice``) against its lease's
  /// hold, which held `price` for it: `cost` in full, the unused rest of its price given back at
  /// once. Returns the cost, which joins the attempt's cost, the worker's spend and the sweep's
  /// `trial_cost_spent_usd`.
  static func chargeTrial<S: SchedulerStorage>(
    _ s: inout S, _ ref: S.Lease.Ref, cost: MicroDollars, price: MicroDollars
  ) throws -> MicroDollars {
    let lease = try s.lease(ref)
    guard lease.state == .active, let reservation = lease.reservation else { return .zero }
    let left = try s.changeLedger(lease.sweepRef) { ledger throws(LedgerError) in
      try ledger.chargeTrial(reservation, cost: cost, price: price)
    }
    try s.setLeaseCharge(ref, charged: lease.charged, held: left.amount)
    guard cost > .zero else { return .zero }
    try s.addWorkerSpend(lease.workerRef, cost)
    try s.addTrialSpend(lease.sweepRef, cost)
    return cost
  }
}
