import Shared

/// A paid worker's whole life on the bill. Leases charge their own paid time; everything else a
/// rented box bills — before its first lease, between leases, waiting on `budget_exhausted`,
/// idle slots beside a lease — is idle time, accrued at each of its calls and charged to the
/// sweep whose ledger holds its idle window: the sweep of its latest paid lease. The window is
/// what the box may still bill if nobody answers it again: its `--max-idle` promise (else a
/// lease TTL) at its hourly rate. So `spent + reserved ≤ budget` covers the whole bill.
extension Scheduler {
  /// Accrues a paid worker's idle time up to `now` and charges it to the sweep holding its idle
  /// window (or, with no hold yet, to no budget: ``WorkerAccount/unbudgeted``), then tops the
  /// hold back up to the whole window if that budget allows. Returns the account (nil for a
  /// free worker) and whether its hold covers the whole window.
  @discardableResult
  static func accrueIdle<S: SchedulerStorage>(
    _ s: inout S, worker: S.WorkerRef, now: Timestamp, policy: LeasePolicy
  ) throws -> (account: WorkerAccount<S.SweepRef>, covered: Bool)? {
    var account = try s.workerAccount(worker)
    guard account.isPaid else { return nil }
    try charge(&s, &account, worker: worker, upTo: now)
    var covered = false
    if let hold = account.hold {
      let window = IdleWindow.cost(hourly: account.hourlyRate, maxIdle: account.maxIdle, ttl: policy.ttl)
      let missing = MicroDollars(max(0, window.value - hold.reservation.amount.value))
      covered = missing == .zero
      // Only a hold that idle time ate into needs the ledger (a heartbeat's usual case does not).
      if missing > .zero {
        let (grown, full) = try s.changeLedger(hold.sweep) { ledger throws(LedgerError) -> (Reservation, Bool) in
          if let grown = try ledger.extend(hold.reservation, by: missing) { return (grown, true) }
          return (try ledger.extend(hold.reservation, by: ledger.available) ?? hold.reservation, false)
        }
        account.hold?.reservation = grown
        covered = full
      }
    }
    try s.setWorkerAccount(worker, account)
    return (account, covered)
  }

  /// Charges the idle time from the bill's last accrual to `time` (nothing if `time` is earlier).
  /// When that shrank the hold, the account is stored at once: a store rebuilds a ledger's holds
  /// from the stored accounts, and the caller may change that ledger next. The caller stores it
  /// in any case when done.
  static func charge<S: SchedulerStorage>(
    _ s: inout S, _ account: inout WorkerAccount<S.SweepRef>, worker: S.WorkerRef, upTo time: Timestamp
  ) throws {
    let busy = try s.busySpans(worker, since: account.bill.until, now: time)
    let cost = account.bill.accrue(to: time, slots: account.slots, busy: busy, slotRate: account.slotRate)
    if cost > .zero {
      // The budget pays what it held; idle past that (a worker silent longer than it promised,
      // or one whose last lease took its window) is on the provider's bill under no budget.
      let budgeted = min(cost, account.hold?.reservation.amount ?? .zero)
      if let hold = account.hold, budgeted > .zero {
        account.hold?.reservation = try s.changeLedger(hold.sweep) { ledger throws(LedgerError) in
          try ledger.charge(hold.reservation, budgeted)
        }
        try s.addIdleSpend(hold.sweep, budgeted)
        try s.setWorkerAccount(worker, account)
      }
      account.unbudgeted = MicroDollars(account.unbudgeted.value + cost.value - budgeted.value)
    }
  }

  /// After a paid grant in `sweep`: the worker's idle window is the one reserved with the lease,
  /// or none after its last lease (the old hold is given back, unless the grant released it
  /// into the lease); idle it billed under no budget was charged to this sweep.
  static func settleIdleHold<S: SchedulerStorage>(
    _ s: inout S, worker: S.WorkerRef, sweep: S.SweepRef, after grant: PaidLeaseGrant, heldHere: Bool
  ) throws {
    guard grant.last || grant.idleWindow != nil || grant.arrearsCharged > .zero else { return }
    var account = try s.workerAccount(worker)
    if grant.last || grant.idleWindow != nil {
      if let old = account.hold, !(grant.last && heldHere) {
        try s.changeLedger(old.sweep) { ledger throws(LedgerError) in try ledger.release(old.reservation) }
      }
      account.hold = grant.idleWindow.map { IdleHold(sweep: sweep, reservation: $0) }
    }
    if grant.arrearsCharged > .zero {
      account.unbudgeted = MicroDollars(account.unbudgeted.value - grant.arrearsCharged.value)
      try s.addIdleSpend(sweep, grant.arrearsCharged)
    }
    try s.setWorkerAccount(worker, account)
  }

  /// Ends a paid worker's bill at `time`: idle charged up to it, the hold given back.
  static func closeBill<S: SchedulerStorage>(_ s: inout S, worker: S.WorkerRef, at time: Timestamp) throws {
    var account = try s.workerAccount(worker)
    guard account.isPaid else { return }
    try charge(&s, &account, worker: worker, upTo: time)
    if let hold = account.hold {
      try s.changeLedger(hold.sweep) { ledger throws(LedgerError) in try ledger.release(hold.reservation) }
      account.hold = nil
    }
    try s.setWorkerAccount(worker, account)
  }

  /// Paid workers that went silent past their promise: each is charged up to the moment it
  /// promised to have stopped — its last call, or the end of its last lease's paid time if later,
  /// plus its idle window — and its hold is given back. That is an upper bound of what the box
  /// billed if it kept its promise. Called by the reaper.
  static func closeSilentBills<S: SchedulerStorage>(_ s: inout S, now: Timestamp, policy: LeasePolicy) throws -> Int {
    let silent = try s.silentHoldingWorkers(now: now, ttl: policy.ttl)
    var closed = 0
    for worker in silent {
      let account = try s.workerAccount(worker)
      let busy = try s.busySpans(worker, since: account.bill.until, now: now)
      // A lease still active has no close yet; its paid span ends at its paid time at the latest.
      let lastWork = busy.map(\.end).max() ?? account.lastSeen
      let bound = max(account.lastSeen, lastWork) + IdleWindow.duration(maxIdle: account.maxIdle, ttl: policy.ttl)
      guard bound <= now else { continue }
      try closeBill(&s, worker: worker, at: bound)
      closed += 1
    }
    return closed
  }

  /// A subscription worker takes its first lease of a period: the fee is charged to `sweep` if its
  /// budget can pay it (nil otherwise: no lease), and the period runs from now. The worker is
  /// free at the margin: its leases cost nothing more.
  static func chargeSubscription<S: SchedulerStorage>(
    _ s: inout S, worker: S.WorkerRef, sweep: S.SweepRef, _ subscription: WorkerSubscription, now: Timestamp
  ) throws -> WorkerSubscription? {
    let fee = subscription.fee
    let charged = try s.changeLedger(sweep) { ledger throws(LedgerError) -> Bool in
      guard let hold = try ledger.reserve(fee) else { return false }
      try ledger.settle(hold, actual: fee)
      return true
    }
    guard charged else { return nil }
    var paid = subscription
    paid.paidUntil = now + subscription.period
    try s.setSubscriptionPaid(worker, until: now + subscription.period, fee: fee)
    try s.addFeeSpend(sweep, fee)
    return paid
  }
}
