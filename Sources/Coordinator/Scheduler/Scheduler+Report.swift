import Shared

extension Scheduler {
  /// A worker reports one attempt's end. The first successful result completes the trial (once,
  /// even from an attempt whose lease expired meanwhile); a failure re-queues or fails it; the
  /// attempt is charged up to now; the answer is stored so the same report twice gets the same
  /// answer. Every refusal is decided before anything changes, so a refused report leaves no trace.
  static func report<S: SchedulerStorage>(
    _ s: inout S, trialID: String, workerID: String, report given: ResultReport, now: Timestamp
  ) throws -> ResultAck {
    let sweepID = given.sweepId
    guard let found = try s.trialForReport(sweepID: sweepID, trialID: trialID) else {
      throw StoreError.notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
    }
    let trial = found.trial
    if let stored = try s.storedAck(trial, given.attempt) { return stored }
    let report = honest(given, objective: found.objectiveMetric, parameters: found.parameterNames)
    guard let attempt = try s.attempt(trial, report.attempt) else {
      throw StoreError.conflict(
        code: "no_such_attempt", message: "trial '\(trialID)' has no attempt \(report.attempt); it was never granted")
    }
    guard attempt.leaseID == report.leaseId else {
      throw StoreError.conflict(
        code: "attempt_not_in_lease",
        message:
          "attempt \(report.attempt) of trial '\(trialID)' belongs to lease '\(attempt.leaseID)', not '\(report.leaseId)'"
      )
    }
    let lease = try ownedLease(&s, leaseID: attempt.leaseID, workerID: workerID)
    guard report.fencingToken == lease.fencing else { throw conflict(.fenced, leaseID: attempt.leaseID) }
    // Judged on the trial as it was before an expiry below.
    var lifecycle = found.row.lifecycle
    guard report.status != .succeeded || lifecycle.completedAttempt == nil else {
      throw StoreError.conflict(
        code: "trial_already_completed",
        message:
          "trial '\(trialID)' already has its result from attempt \(lifecycle.completedAttempt ?? 0); this one was not merged"
      )
    }
    if lease.state == .active, now >= lease.expiresAt { _ = try expire(&s, lease.ref, now: now) }
    let attemptOpen = attempt.outcome == .running
    let durationMs = milliseconds(report.durationS)
    let objective = report.metrics[found.objectiveMetric]
    let outcome: ResultAck.Outcome
    if report.status == .succeeded {
      _ = lifecycle.succeeded(attempt: report.attempt)
      try s.completeTrial(trial, attempt: report.attempt, objective: objective, durationMs: durationMs)
      outcome = .completed
    } else if attemptOpen {
      outcome = .recorded
    } else {
      outcome = .late
    }
    if attemptOpen {
      var charge = try chargeLease(&s, lease.ref, upTo: now)
      // A priced trial: what it reported it cost (`cost_usd`), else its price.
      if let price = found.trialPrice {
        let cost = ReportedCost.charge(metrics: report.metrics, price: price)
        charge = MicroDollars(charge.value + (try chargeTrial(&s, lease.ref, cost: cost, price: price)).value)
      }
      try s.endAttempt(
        trial, report.attempt, outcome: AttemptOutcome(report.status), reason: reason(report), at: now, cost: charge)
      if report.status != .succeeded {
        let moved = try moveTrial(
          &s, trial, attempt: report.attempt, countsAsFailure: report.status.countsAsFailure)
        // A pruned trial's result is its last intermediate value of the objective, with its time.
        if moved == .prune {
          try s.recordPrunedResult(trial, attempt: report.attempt, objective: objective, durationMs: durationMs)
        }
      }
      if try s.runningAttempts(lease.ref).isEmpty { try closeLease(&s, lease.ref, end: .completed, at: now) }
    }
    if outcome == .completed {
      try s.countCompletedTrial(lease.workerRef, sweep: found.sweep, durationMs: durationMs)
      try completeIfFinished(&s, found.sweep, now: now)
    }
    try applyStrategies(&s, sweep: found.sweep, domain: found.domain, now: now)
    let ack = ResultAck(
      trialId: trialID, attempt: report.attempt, outcome: outcome, trialState: try s.trialRow(trial).state.rawValue,
      costUsd: DollarAmount(try s.attemptCost(trial, report.attempt)))
    try s.insertResult(
      trial, report.attempt, report: report, completed: outcome == .completed, workerID: workerID, now: now, ack: ack)
    if attemptOpen { try watchFailures(&s, found.sweep, trialID: trialID, report: report) }
    return ack
  }

  /// What a report says, made honest whatever sent it: a run that "succeeded" without the
  /// objective failed; metrics named like result columns move under `metric.` (``MetricNames``).
  /// The worker does the same; this covers any other client of the API.
  static func honest(_ report: ResultReport, objective: String, parameters: [String]) -> ResultReport {
    var report = report
    report.metrics = MetricNames.resolve(report.metrics, parameters: parameters).metrics
    if report.status == .succeeded, let missing = MetricNames.missingObjective(objective, in: report.metrics) {
      report.status = .failed
      report.error = missing
    }
    return report
  }

  /// Feeds the sweep's failure guard: a success disarms it; a quick failure like the ones before
  /// it may pause the sweep (``FailureWatch``).
  static func watchFailures<S: SchedulerStorage>(
    _ s: inout S, _ sweep: S.SweepRef, trialID: String, report: ResultReport
  ) throws {
    guard var watch = try s.failureWatch(sweep), !watch.disarmed else { return }
    switch report.status {
    case .succeeded:
      watch.recordSuccess()
      try s.setFailureWatch(sweep, watch)
    case .failed:
      let lastLine =
        report.error ?? report.stderrTail?.split(whereSeparator: \.isNewline).last.map { String($0.prefix(200)) }
      let reason = watch.recordFailure(
        FailureWatch.Failure(
          exitCode: report.exitCode, durationMs: milliseconds(report.durationS) ?? .max, lastLine: lastLine,
          trialID: trialID))
      try s.setFailureWatch(sweep, watch)
      if let reason, try s.sweepState(sweep) == .running { try s.setSweepPause(sweep, reason: reason) }
    default:
      break  // stopped from outside (timeout, interruption, cancel, allowance): says nothing of the command
    }
  }

  /// The reason an attempt ended, as stored and shown: the status, the exit code, the last line of stderr.
  static func reason(_ report: ResultReport) -> String {
    var text = report.status.rawValue
    if let code = report.exitCode { text += " (exit \(code))" }
    if let error = report.error {
      text += ": " + String(error.prefix(300))
    } else if let tail = report.stderrTail?.split(separator: "\n").last {
      text += ": " + String(tail.prefix(200))
    }
    return text
  }
}
