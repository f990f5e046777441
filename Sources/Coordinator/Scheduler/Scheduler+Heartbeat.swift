import Shared

extension Scheduler {
  /// A heartbeat renews a live lease, records progress (early stopping judges it), extends a paid
  /// lease's allowance while the budget allows, and answers what the worker must do: stop all
  /// when the sweep was cancelled, cancel a trial that was pruned or that another attempt completed.
  static func heartbeat<S: SchedulerStorage>(
    _ s: inout S, leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy
  ) throws -> HeartbeatResponse {
    let lease = try ownedLease(&s, leaseID: leaseID, workerID: workerID)
    try s.touchWorker(lease.workerRef, now: now, paused: request.paused)
    // A paid worker with more slots than leases idles the rest: on its bill.
    if lease.isPaid {
      try rollOuterPeriod(&s, now: now)
      try accrueIdle(&s, worker: lease.workerRef, now: now, policy: policy)
    }
    if let rejection = lease.lifecycle.check(token: request.fencingToken, now: now) {
      if rejection == .expired { _ = try expire(&s, lease.ref, now: now) }
      throw conflict(rejection, leaseID: leaseID)
    }
    var actions: [LeaseAction] = []
    // Progress with nothing in it (no epoch, step or metric) changes nothing worth keeping.
    for progress in request.progress where progress.epoch != nil || progress.step != nil || !progress.metrics.isEmpty {
      try s.recordProgress(lease.ref, progress, now: now)
    }
    if let spec = try s.strategySpec(lease.sweepRef) {
      for progress in request.progress {
        if let action = try earlyStoppingAction(&s, sweep: lease.sweepRef, spec: spec, progress: progress) {
          actions.append(action)
        }
      }
    }
    let sweepState = try s.sweepState(lease.sweepRef)
    if sweepState == .cancelled {
      actions.append(LeaseAction(kind: .stopAll, reason: "sweep_cancelled"))
    }
    for (trialID, completedAttempt) in try s.completedTrialsStillRunning(lease.ref) {
      actions.append(
        LeaseAction(
          kind: .cancelTrial, trialId: trialID, reason: "trial_already_completed by attempt \(completedAttempt)"))
    }
    var paidUntil = lease.paidUntil
    var held = lease.held
    var allowance: Duration? = nil
    if lease.isPaid, let until = paidUntil, let reservation = lease.reservation {
      let (left, chunk) = policy.renewal(paidUntil: until, now: now, expectedTrial: lease.expected, tail: lease.tail)
      var remaining = left
      if sweepState == .running, let chunk {
        // A whole chunk, or what is left of the budget: any paid time helps the trial finish.
        let rate = lease.slotRate
        let grown = try s.changeLedger(lease.sweepRef) { ledger throws(LedgerError) -> (Reservation, Duration)? in
          if let grown = try ledger.extend(reservation, by: rate.cost(of: chunk)) { return (grown, chunk) }
          guard let rest = rate.duration(affordableWith: ledger.available), rest.wholeMilliseconds > 0 else {
            return nil
          }
          let time = Duration.milliseconds(rest.wholeMilliseconds)
          return try ledger.extend(reservation, by: rate.cost(of: time)).map { ($0, time) }
        }
        if let (grown, time) = grown {
          held = grown.amount
          paidUntil = until + time
          remaining = policy.allowance(paidUntil: until + time, now: now, tail: lease.tail)
        }
      }
      allowance = remaining
    }
    let expiresAt = policy.expiry(now: now, paidUntil: paidUntil)
    try s.renewLease(lease.ref, expiresAt: expiresAt, paidUntil: paidUntil, held: held)
    return HeartbeatResponse(
      expiresAt: expiresAt.iso8601, allowanceS: allowance?.secondsDouble,
      actions: actions.isEmpty ? continueOnly : actions)
  }

  static let continueOnly = [LeaseAction(kind: .continue)]
}
