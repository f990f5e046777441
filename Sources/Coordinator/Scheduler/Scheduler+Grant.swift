import Shared

extension Scheduler {
  /// A worker asks for work: the first pending shard of the oldest running sweep that its slots
  /// and, for a paid worker, the sweep's remaining budget allow. A paid lease reserves its
  /// allowance (plus stop grace and report margin) at the worker's slot rate in the ledger; when
  /// the budget cannot pay all of that, the lease is fitted to what is left if one expected
  /// trial fits (``LeasePolicy/fittedGrant(trials:expectedTrial:slotRate:available:)``).
  /// A paid worker's idle time is accrued first, and its idle window must be held too: with its
  /// first lease in a sweep, the window moves into that sweep's ledger (see Scheduler+Billing).
  /// A paid worker with nothing running whose window no budget can hold is told to exit.
  static func grantLease<S: SchedulerStorage>(_ s: inout S, workerID: String, now: Timestamp, policy: LeasePolicy)
    throws -> GrantOutcome
  {
    guard let worker = try s.workerTerms(id: workerID) else {
      throw StoreError.notFound(code: "worker_not_found", message: "no worker '\(workerID)'; register again")
    }
    guard worker.state != .deregistered else {
      throw StoreError.gone(
        code: "worker_deregistered", message: "worker '\(workerID)' was deregistered; register again")
    }
    try s.touchWorker(worker.ref, now: now, paused: nil)
    try rollOuterPeriod(&s, now: now)
    let billing = worker.hourlyRate.isFree ? nil : try accrueIdle(&s, worker: worker.ref, now: now, policy: policy)
    var subscription = worker.hourlyRate.isFree ? try s.workerSubscription(worker.ref) : nil
    let active = try s.activeLeaseCount(worker.ref)
    guard active < worker.slots else {
      return .noWork(.slotsFull, "the worker already holds \(active) lease(s) for its \(worker.slots) slot(s)")
    }
    let slotRate = LeaseMeter.slotRate(hourly: worker.hourlyRate, slots: worker.slots)
    var sawBudgetRefusal = false
    for sweep in try s.sweepsToGrant() {
      while let (shard, fencing) = try s.nextPendingShard(sweep.ref) {
        let trials = try s.pendingTrials(shard)
        guard !trials.isEmpty else {
          try s.setShardState(shard, .done)
          continue
        }
        let expected = LeasePolicy.expectedTrialDuration(
          estimate: sweep.estimate, measured: try s.recentDurations(worker.ref, sweep: sweep.ref))
        var paidUntil: Timestamp? = nil
        var reservation: Reservation? = nil
        var allowance: Duration? = nil
        var stopGrace = policy.stopGrace
        var fittedTail: Duration? = nil
        var last = false
        // Trials priced per job: the lease holds each one's price too (one hold with its
        // machine time, so one meter of the lease's money).
        let trialCost = sweep.trialPrice.map { $0.times(trials.count) ?? MicroDollars(.max) }
        // A subscription's fee, once per period, to the sweep of its first lease in the period.
        if let terms = subscription, terms.paidUntil.map({ now >= $0 }) ?? true {
          guard let paid = try chargeSubscription(&s, worker: worker.ref, sweep: sweep.ref, terms, now: now) else {
            sawBudgetRefusal = true
            break
          }
          subscription = paid
        }
        if !slotRate.isFree, let billing {
          // A full lease with the worker's idle window held beside it (already held in this
          // sweep and whole, or reserved here with the lease). When that does not fit, the last
          // lease: the window itself pays for work too — the worker exits when it ends.
          let held = billing.account.hold.flatMap { $0.sweep == sweep.ref ? $0.reservation : nil }
          let window = IdleWindow.cost(hourly: worker.hourlyRate, maxIdle: billing.account.maxIdle, ttl: policy.ttl)
          guard
            let paid = try s.changeLedger(
              sweep.ref,
              { ledger throws(LedgerError) -> PaidLeaseGrant? in
                var priced: Reservation? = nil
                if let trialCost {
                  guard let hold = try ledger.reserve(trialCost) else { return nil }
                  priced = hold
                }
                guard
                  var paid = try ledger.grantPaidLease(
                    policy: policy, trials: trials.count, expectedTrial: expected, slotRate: slotRate, window: window,
                    heldWindow: held, windowWhole: billing.covered, arrears: billing.account.unbudgeted)
                else {
                  if let priced { try ledger.release(priced) }
                  return nil
                }
                if let priced { paid.lease = try ledger.merge(priced, into: paid.lease) }
                return paid
              })
          else {
            sawBudgetRefusal = true
            break
          }
          try settleIdleHold(&s, worker: worker.ref, sweep: sweep.ref, after: paid, heldHere: held != nil)
          let (terms, hold, isLast) = (paid.terms, paid.lease, paid.last)
          last = isLast
          reservation = hold
          paidUntil = now + terms.reservedTime
          allowance = terms.allowance
          stopGrace = terms.stopGrace
          fittedTail = terms.fitted ? terms.tail : nil
        } else if let trialCost {
          guard
            let hold = try s.changeLedger(sweep.ref, { ledger throws(LedgerError) in try ledger.reserve(trialCost) })
          else {
            sawBudgetRefusal = true
            break
          }
          reservation = hold
        }
        let expiresAt = policy.expiry(now: now, paidUntil: paidUntil)
        let lease = try s.insertLease(
          NewLease(
            sweep: sweep.ref, sweepID: sweep.id, shard: shard, worker: worker.ref, workerID: workerID,
            fencing: fencing + 1, grantedAt: now, expiresAt: expiresAt, paidUntil: paidUntil, slotRate: slotRate,
            expected: expected, reservation: reservation, tail: fittedTail))
        try s.leaseShard(shard, fencing: fencing + 1)
        var leased: [LeasedTrial] = []
        for trial in trials {
          var lifecycle = TrialLifecycle(
            state: .pending, attempts: trial.attempts, failures: trial.failures, maxAttempts: sweep.maxAttempts)
          guard case .startAttempt(let attempt) = lifecycle.lease() else { continue }
          try s.startAttempt(
            trial.ref, attempt: attempt, lease: lease.ref, leaseID: lease.id, worker: worker.ref, workerID: workerID,
            now: now)
          leased.append(
            LeasedTrial(
              trialId: trial.id, domain: trial.domain, attempt: attempt,
              params: Dictionary(trial.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
              argv: trial.argv))
        }
        var grant = LeaseGrant(
          leaseId: lease.id, sweepId: sweep.id, sweepName: sweep.name, fencingToken: fencing + 1,
          expiresAt: expiresAt.iso8601, ttlS: policy.ttl.secondsDouble, allowanceS: allowance?.secondsDouble,
          stopGraceS: stopGrace.secondsDouble,
          trialTimeoutS: sweep.trialTimeout.map { Double($0.wholeMilliseconds) / 1000 },
          objectiveMetric: sweep.objectiveMetric, trials: leased)
        grant.workdir = sweep.workdir
        if last { grant.exitAfter = true }
        grant.trialCostLimitUsd = sweep.trialPrice.map(DollarAmount.init)
        grant.artifacts = sweep.artifacts
        return .granted(grant)
      }
    }
    // Without a hold and without a refusal (no sweep has work yet) the box idles on its own
    // promise, unbudgeted: a box started before its sweep is submitted is not sent away.
    if let billing, active == 0, !billing.covered, billing.account.hold != nil || sawBudgetRefusal {
      return .noWork(
        .idleNotCovered,
        billing.account.hold == nil
          ? "the remaining budget cannot pay for one more trial and this paid worker's idle window: exit now"
          : "the budget holding this paid worker's idle time cannot hold its whole idle window any more: exit now")
    }
    if sawBudgetRefusal {
      return .noWork(
        .budgetExhausted,
        worker.hourlyRate.isFree
          ? "trials are waiting, but the remaining budget cannot pay for one more (their price per trial, or this worker's subscription)"
          : "trials are waiting, but the remaining budget cannot pay for one more at this worker's rate; free workers carry on"
      )
    }
    switch try s.latestSweepState() {
    case .cancelled:
      return .noWork(.sweepCancelled, "the latest sweep was cancelled and no other sweep has pending trials")
    case .paused:
      return .noWork(
        .sweepPaused,
        "the latest sweep paused itself because its attempts all failed the same way; `sweep status` says why, `sweep resume` continues"
      )
    default: break
    }
    return .noWork(.noPendingTrials, "every trial is finished or leased")
  }
}
