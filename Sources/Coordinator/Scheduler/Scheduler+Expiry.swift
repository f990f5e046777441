import Shared

extension Scheduler {
  /// What closing a lease did to its trials and its worker.
  struct CloseOutcome {
    var requeued = 0
    var failed = 0
    var workerLost = false
  }

  /// The worker gives back some or all of its lease's trials; they are re-queued without counting a failure.
  static func release<S: SchedulerStorage>(
    _ s: inout S, leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp
  ) throws -> ReleaseResponse {
    let lease = try ownedLease(&s, leaseID: leaseID, workerID: workerID)
    if let rejection = lease.lifecycle.check(token: request.fencingToken, now: now) {
      if rejection == .expired { _ = try expire(&s, lease.ref, now: now) }
      throw conflict(rejection, leaseID: leaseID)
    }
    return try releaseAttempts(&s, lease.ref, trialIDs: request.trialIds, now: now, reason: "released by the worker")
  }

  /// Expires every lease whose time is up, re-queueing or failing its trials; then lets the
  /// strategies of the sweeps concerned react.
  static func reap<S: SchedulerStorage>(_ s: inout S, now: Timestamp) throws -> ReapSummary {
    var summary = ReapSummary()
    var sweeps: [S.SweepRef] = []
    var seen = Set<S.SweepRef>()
    for ref in try s.dueLeases(now: now) {
      let sweep = try s.lease(ref).sweepRef
      if seen.insert(sweep).inserted { sweeps.append(sweep) }
      let outcome = try expire(&s, ref, now: now)
      summary.expiredLeases += 1
      summary.requeuedTrials += outcome.requeued
      summary.failedTrials += outcome.failed
      summary.lostWorkers += outcome.workerLost ? 1 : 0
    }
    for sweep in sweeps where try applyStrategies(&s, sweep: sweep, now: now) {
      summary.strategyChanges += 1
    }
    return summary
  }

  /// Expires a lease at its expiry time. Its running attempts end as `expired`: a lost heartbeat
  /// counts as a failure of the trial; paid time running out does not (it is the budget's limit,
  /// and the worker stopped the trial itself). A worker left with no active lease is lost.
  static func expire<S: SchedulerStorage>(_ s: inout S, _ ref: S.Lease.Ref, now: Timestamp) throws -> CloseOutcome {
    let lease = try s.lease(ref)
    let (end, reason, countsAsFailure) = lease.expiryTerms(now: now)
    var outcome = try endAttempts(
      &s, ref, trialIDs: nil, outcome: .expired, reason: reason, countsAsFailure: countsAsFailure, at: end)
    try closeLease(&s, ref, end: .expired, at: end)
    if try s.activeLeaseCount(lease.workerRef) == 0, try s.workerState(lease.workerRef) == .active {
      try s.setWorkerState(lease.workerRef, .lost, lastSeen: nil)
      outcome.workerLost = true
    }
    return outcome
  }

  /// Gives back the lease's running attempts (all, or those named) without counting a failure;
  /// closes the lease once nothing of it runs.
  @discardableResult
  static func releaseAttempts<S: SchedulerStorage>(
    _ s: inout S, _ ref: S.Lease.Ref, trialIDs: [String]?, now: Timestamp, reason: String
  ) throws -> ReleaseResponse {
    let running = try s.runningAttempts(ref).map(\.trialID)
    let chosen = trialIDs.map { wanted in running.filter(Set(wanted).contains) } ?? running
    _ = try endAttempts(
      &s, ref, trialIDs: chosen, outcome: .released, reason: reason, countsAsFailure: false, at: now)
    let still = try s.runningAttempts(ref).count
    if still == 0 { try closeLease(&s, ref, end: .released, at: now) }
    return ReleaseResponse(released: chosen, leaseClosed: still == 0)
  }

  /// Ends running attempts of a lease (all, or those named): charges the lease up to `time` on
  /// the first of them, records the outcome and reason, and moves each trial on (re-queue or fail).
  static func endAttempts<S: SchedulerStorage>(
    _ s: inout S, _ ref: S.Lease.Ref, trialIDs: [String]?, outcome: AttemptOutcome, reason: String,
    countsAsFailure: Bool, at time: Timestamp
  ) throws -> CloseOutcome {
    var closed = CloseOutcome()
    var rows = try s.runningAttempts(ref)
    if let trialIDs {
      let wanted = Set(trialIDs)
      rows = rows.filter { wanted.contains($0.trialID) }
    }
    var charge = try chargeLease(&s, ref, upTo: time)
    // A priced trial that never reported is charged its price when its lease expires: the job may
    // have run and billed, and the coordinator's figure must not be below the real bill. One
    // given back unstarted (released) costs nothing.
    let price = outcome == .expired && !rows.isEmpty ? try s.trialPrice(s.lease(ref).sweepRef) : nil
    for row in rows {
      if let price { charge = MicroDollars(charge.value + (try chargeTrial(&s, ref, cost: price, price: price)).value) }
      try s.endAttempt(row.trial, row.attempt, outcome: outcome, reason: reason, at: time, cost: charge)
      charge = .zero
      switch try moveTrial(&s, row.trial, attempt: row.attempt, countsAsFailure: countsAsFailure) {
      case .requeue: closed.requeued += 1
      case .fail: closed.failed += 1
      default: break
      }
    }
    return closed
  }

  /// Applies the end of an unsuccessful attempt to its trial.
  static func moveTrial<S: SchedulerStorage>(_ s: inout S, _ trial: S.TrialRef, attempt: Int, countsAsFailure: Bool)
    throws -> TrialLifecycle.Action
  {
    let row = try s.trialRow(trial)
    var lifecycle = row.lifecycle
    let action = lifecycle.attemptEnded(attempt: attempt, countsAsFailure: countsAsFailure, pruned: row.pruned)
    // Until the report (if any) says better, the value it had at its last rung.
    if action == .prune { try s.takeObjectiveFromLastRung(trial) }
    if action != .ignore { try s.setTrialState(trial, lifecycle.state, failures: lifecycle.failures) }
    return action
  }

  /// Books the lease's paid time up to `time` (capped at its reserved end) and returns the increment.
  static func chargeLease<S: SchedulerStorage>(_ s: inout S, _ ref: S.Lease.Ref, upTo time: Timestamp) throws
    -> MicroDollars
  {
    let lease = try s.lease(ref)
    guard lease.state == .active, lease.isPaid, let reservation = lease.reservation else { return .zero }
    var meter = lease.meter
    let increment = meter.charge(upTo: time)
    guard increment > .zero else { return .zero }
    let remaining = try s.changeLedger(lease.sweepRef) { ledger throws(LedgerError) in
      try ledger.charge(reservation, increment)
    }
    try s.setLeaseCharge(ref, charged: meter.charged, held: remaining.amount)
    try s.addWorkerSpend(lease.workerRef, increment)
    return increment
  }

  /// Closes an active lease: releases what is left of its reservation, and puts its shard back
  /// in the queue if any of its trials still needs an attempt.
  static func closeLease<S: SchedulerStorage>(_ s: inout S, _ ref: S.Lease.Ref, end: LeaseEnd, at time: Timestamp)
    throws
  {
    let lease = try s.lease(ref)
    guard lease.state == .active else { return }
    if let reservation = lease.reservation {
      try s.changeLedger(lease.sweepRef) { ledger throws(LedgerError) in try ledger.settle(reservation, actual: .zero) }
    }
    try s.closeLease(ref, end, at: time)
    let pending = try s.shardHasPendingTrials(lease.shardRef)
    try s.setShardState(lease.shardRef, pending ? .pending : .done)
    if try s.sweepState(lease.sweepRef) == .cancelled { try s.cancelShardTrials(lease.shardRef) }
    try completeIfFinished(&s, lease.sweepRef, now: time)
  }
}
