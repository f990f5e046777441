import Shared

extension MemoryState {
  /// As ``SQLiteStore/recordReport(_:trialID:workerID:report:now:)``. Every refusal is decided
  /// before anything changes, so a refused report leaves no trace (SQLite gets that from its
  /// savepoint): the success check reads the trial as it was before an expiry, as SQLite does.
  mutating func report(trialID: String, workerID: String, report: ResultReport, now: Timestamp) throws(StoreError)
    -> ResultAck
  {
    let sweepID = report.sweepId
    guard let sweep = sweepIndex[sweepID], let index = sweeps[sweep].trialIndex[trialID] else {
      throw .notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
    }
    let trial = sweeps[sweep].trials[index]
    guard report.attempt >= 1, report.attempt <= trial.attempts.count else {
      throw .conflict(
        code: "no_such_attempt", message: "trial '\(trialID)' has no attempt \(report.attempt); it was never granted")
    }
    let attempt = trial.attempts[report.attempt - 1]
    // The same report twice gets the same answer.
    if let stored = attempt.result { return stored.ack }
    let leaseID = attempt.leaseID
    guard leaseID == report.leaseId else {
      throw .conflict(
        code: "attempt_not_in_lease",
        message:
          "attempt \(report.attempt) of trial '\(trialID)' belongs to lease '\(leaseID)', not '\(report.leaseId)'")
    }
    let l = try ownedLease(leaseID, workerID: workerID)
    guard report.fencingToken == leases[l].fencing else { throw SQLiteStore.conflict(.fenced, leaseID: leaseID) }
    var lifecycle = TrialLifecycle(
      state: trial.state, attempts: trial.attempts.count, failures: trial.failures,
      maxAttempts: sweeps[sweep].spec.maxAttempts, completedAttempt: trial.completedAttempt)
    if report.status == .succeeded, lifecycle.completedAttempt != nil {
      throw .conflict(
        code: "trial_already_completed",
        message:
          "trial '\(trialID)' already has its result from attempt \(lifecycle.completedAttempt ?? 0); this one was not merged"
      )
    }
    if leases[l].state == "active", now >= leases[l].expiresAt { _ = try expire(l, now: now) }
    let attemptOpen = attempt.state == "running"
    let durationMs = report.durationS.map { Int64(($0 * 1000).rounded()) }
    let metric = sweeps[sweep].spec.objective.metric
    let outcome: ResultAck.Outcome
    if report.status == .succeeded {
      _ = lifecycle.succeeded(attempt: report.attempt)
      sweeps[sweep].setState(index, .succeeded)
      sweeps[sweep].trials[index].completedAttempt = report.attempt
      sweeps[sweep].trials[index].objective = report.metrics[metric]
      sweeps[sweep].trials[index].durationMs = durationMs
      workers[leases[l].worker].trialsDone += 1
      outcome = .completed
    } else if attemptOpen {
      outcome = .recorded
    } else {
      outcome = .late
    }
    if attemptOpen {
      let charge = try chargeLease(l, upTo: now)
      sweeps[sweep].trials[index].attempts[report.attempt - 1].state = report.status.rawValue
      sweeps[sweep].trials[index].attempts[report.attempt - 1].reason = SQLiteStore.reason(report)
      sweeps[sweep].trials[index].attempts[report.attempt - 1].endedAt = now
      sweeps[sweep].addCost(index, attempt: report.attempt, charge)
      if report.status != .succeeded {
        _ = moveTrial(sweep, index, attempt: report.attempt, countsAsFailure: report.status.countsAsFailure)
      }
      if runningAttempts(l).isEmpty { try closeLease(l, end: .completed, at: now) }
    }
    if outcome == .completed {
      // Other attempts of this trial still running: their leases' heartbeats cancel them.
      for other in sweeps[sweep].trials[index].attempts where other.state == "running" {
        if let position = leasePosition(other.leaseID) { leases[position].runsCompletedTrials = true }
      }
      completeIfFinished(sweep, now: now)
    }
    let ack = ResultAck(
      trialId: trialID, attempt: report.attempt, outcome: outcome,
      trialState: sweeps[sweep].trials[index].state.rawValue,
      costUsd: DollarAmount(sweeps[sweep].trials[index].attempts[report.attempt - 1].cost))
    sweeps[sweep].trials[index].attempts[report.attempt - 1].result = MemoryResult(
      status: report.status, completed: outcome == .completed, metrics: report.metrics, durationMs: durationMs,
      workerID: workerID, reportedAt: now, ack: ack)
    if outcome == .completed, let durationMs {
      workers[leases[l].worker].remember(sweepID: sweepID, durationMs: durationMs)
    }
    return ack
  }
}
