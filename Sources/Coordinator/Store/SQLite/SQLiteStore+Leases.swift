import Foundation
import GRDB
import Shared

extension SQLiteStore {
  public func heartbeat(
    leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy
  ) async throws -> HeartbeatResponse {
    try await committer.write { db in
      var lease = try Self.ownedLease(db, leaseID: leaseID, workerID: workerID)
      try db.cachedStatement(sql: "UPDATE workers SET last_seen = ?, state = 'active' WHERE id = ?").execute(
        arguments: [now.milliseconds, workerID])
      if let rejection = lease.lifecycle.check(token: request.fencingToken, now: now) {
        if rejection == .expired { _ = try Self.expire(db, lease: lease, now: now) }
        throw Self.conflict(rejection, leaseID: leaseID)
      }
      for progress in request.progress {
        try db.cachedStatement(
          sql: """
            INSERT INTO progress(sweep_id, trial_id, attempt, epoch, step, metrics, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(sweep_id, trial_id, attempt) DO UPDATE SET epoch = excluded.epoch, step = excluded.step,
              metrics = excluded.metrics, updated_at = excluded.updated_at
            """
        ).execute(arguments: [
          lease.sweepID, progress.trialId, progress.attempt, progress.epoch, progress.step,
          StoredJSON.encodeMetrics(progress.metrics), now.milliseconds,
        ])
      }
      var actions: [LeaseAction] = []
      for progress in request.progress {
        if let action = try self.earlyStoppingAction(db, sweepID: lease.sweepID, progress: progress) {
          actions.append(action)
        }
      }
      let sweepState = try String.fetchOne(
        db.cachedStatement(sql: "SELECT state FROM sweeps WHERE id = ?"), arguments: [lease.sweepID])
      if sweepState == "cancelled" {
        actions.append(LeaseAction(kind: .stopAll, reason: "sweep_cancelled"))
      }
      for row in try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT a.trial_id, t.completed_attempt FROM attempts a
            JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
            WHERE a.lease_id = ? AND a.state = 'running' AND t.state = 'succeeded'
            """), arguments: [leaseID])
      {
        actions.append(
          LeaseAction(
            kind: .cancelTrial, trialId: row["trial_id"],
            reason: "trial_already_completed by attempt \(row["completed_attempt"] as Int? ?? 0)"))
      }
      var allowance: Duration? = nil
      if lease.isPaid, let paidUntil = lease.paidUntil, let reservation = lease.reservation {
        var remaining = policy.allowance(paidUntil: paidUntil, now: now)
        if sweepState == "running", policy.shouldExtend(remainingAllowance: remaining, expectedTrial: lease.expected) {
          let chunk = policy.chunk(expectedTrial: lease.expected)
          var stored = try StoredLedger.load(db, sweepID: lease.sweepID)
          if let grown = try stored.ledger.extend(reservation, by: lease.slotRate.cost(of: chunk)) {
            try stored.save(db)
            lease.held = grown.amount
            lease.paidUntil = paidUntil + chunk
            remaining = policy.allowance(paidUntil: paidUntil + chunk, now: now)
          }
        }
        allowance = remaining
      }
      lease.expiresAt = policy.expiry(now: now, paidUntil: lease.paidUntil)
      try db.cachedStatement(sql: "UPDATE leases SET expires_at = ?, paid_until = ?, held = ? WHERE id = ?").execute(
        arguments: [lease.expiresAt.milliseconds, lease.paidUntil?.milliseconds, lease.held.value, leaseID])
      if actions.isEmpty { actions.append(LeaseAction(kind: .continue)) }
      return HeartbeatResponse(
        expiresAt: lease.expiresAt.iso8601, allowanceS: allowance?.secondsDouble, actions: actions)
    }
  }

  public func release(leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp) async throws
    -> ReleaseResponse
  {
    try await committer.write { db in
      let lease = try Self.ownedLease(db, leaseID: leaseID, workerID: workerID)
      if let rejection = lease.lifecycle.check(token: request.fencingToken, now: now) {
        if rejection == .expired { _ = try Self.expire(db, lease: lease, now: now) }
        throw Self.conflict(rejection, leaseID: leaseID)
      }
      return try Self.releaseAttempts(
        db, lease: lease, trialIDs: request.trialIds, now: now, reason: "released by the worker")
    }
  }

  public func reap(now: Timestamp) async throws -> ReapSummary {
    try await committer.write { db in
      var summary = ReapSummary()
      let due = try Row.fetchAll(
        db.cachedStatement(
          sql: "SELECT \(LeaseRow.columns) FROM leases WHERE state = 'active' AND expires_at <= ? ORDER BY expires_at"),
        arguments: [now.milliseconds]
      ).map(LeaseRow.init)
      var sweeps = Set<String>()
      for lease in due {
        sweeps.insert(lease.sweepID)
        let outcome = try Self.expire(db, lease: lease, now: now)
        summary.expiredLeases += 1
        summary.requeuedTrials += outcome.requeued
        summary.failedTrials += outcome.failed
        summary.lostWorkers += outcome.workerLost ? 1 : 0
      }
      for sweepID in sweeps where try self.applyStrategies(db, sweepID: sweepID, now: now) {
        summary.strategyChanges += 1
      }
      return summary
    }
  }

  // MARK: - Shared steps

  /// The lease, checked to belong to `workerID`.
  static func ownedLease(_ db: Database, leaseID: String, workerID: String) throws -> LeaseRow {
    guard let lease = try LeaseRow.fetch(db, id: leaseID) else {
      throw StoreError.notFound(code: "lease_not_found", message: "no lease '\(leaseID)'")
    }
    guard lease.workerID == workerID else {
      throw StoreError.forbidden(code: "not_your_lease", message: "lease '\(leaseID)' is held by another worker")
    }
    return lease
  }

  static func conflict(_ rejection: LeaseLifecycle.Rejection, leaseID: String) -> StoreError {
    switch rejection {
    case .fenced:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' was superseded: its shard was granted again")
    case .expired:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' expired; its trials were re-queued")
    case .closed:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' has already ended")
    }
  }

  struct CloseOutcome {
    var requeued = 0
    var failed = 0
    var workerLost = false
  }

  /// Expires a lease at its expiry time. Its running attempts end as `expired`: a lost heartbeat
  /// counts as a failure of the trial; paid time running out does not (it is the budget's limit,
  /// and the worker stopped the trial itself).
  static func expire(_ db: Database, lease: LeaseRow, now: Timestamp) throws -> CloseOutcome {
    let (end, reason, countsAsFailure) = lease.expiryTerms(now: now)
    var outcome = try endAttempts(
      db, lease: lease, trialIDs: nil, state: "expired", reason: reason, countsAsFailure: countsAsFailure, at: end)
    try closeLease(db, lease: lease, end: .expired, at: end)
    let others =
      try Int.fetchOne(
        db.cachedStatement(sql: "SELECT COUNT(*) FROM leases WHERE worker_id = ? AND state = 'active'"),
        arguments: [lease.workerID])
      ?? 0
    if others == 0 {
      try db.cachedStatement(sql: "UPDATE workers SET state = 'lost' WHERE id = ? AND state = 'active'").execute(
        arguments: [lease.workerID])
      outcome.workerLost = db.changesCount > 0
    }
    return outcome
  }

  /// Gives back the lease's running attempts (all, or those named) without counting a failure;
  /// closes the lease once nothing of it runs.
  @discardableResult
  static func releaseAttempts(_ db: Database, lease: LeaseRow, trialIDs: [String]?, now: Timestamp, reason: String)
    throws
    -> ReleaseResponse
  {
    let running = try String.fetchAll(
      db.cachedStatement(
        sql: "SELECT trial_id FROM attempts WHERE lease_id = ? AND state = 'running' ORDER BY trial_id"),
      arguments: [lease.id])
    let chosen = trialIDs.map { wanted in running.filter(Set(wanted).contains) } ?? running
    _ = try endAttempts(
      db, lease: lease, trialIDs: chosen, state: "released", reason: reason, countsAsFailure: false, at: now)
    let still =
      try Int.fetchOne(
        db.cachedStatement(sql: "SELECT COUNT(*) FROM attempts WHERE lease_id = ? AND state = 'running'"),
        arguments: [lease.id]) ?? 0
    if still == 0 { try closeLease(db, lease: lease, end: .released, at: now) }
    return ReleaseResponse(released: chosen, leaseClosed: still == 0)
  }

  /// Ends running attempts of a lease (all, or those named): charges the lease up to `time` on
  /// the first of them, records the state and reason, and moves each trial on (re-queue or fail).
  static func endAttempts(
    _ db: Database, lease: LeaseRow, trialIDs: [String]?, state: String, reason: String, countsAsFailure: Bool,
    at time: Timestamp
  ) throws -> CloseOutcome {
    var outcome = CloseOutcome()
    var rows = try Row.fetchAll(
      db.cachedStatement(
        sql: "SELECT trial_id, attempt FROM attempts WHERE lease_id = ? AND state = 'running' ORDER BY trial_id"),
      arguments: [lease.id])
    if let trialIDs {
      let wanted = Set(trialIDs)
      rows = rows.filter { wanted.contains($0["trial_id"]) }
    }
    var charge = try chargeLease(db, leaseID: lease.id, upTo: time)
    for row in rows {
      let trialID: String = row["trial_id"]
      let attempt: Int = row["attempt"]
      try db.cachedStatement(
        sql: """
          UPDATE attempts SET state = ?, reason = ?, ended_at = ?, cost = cost + ?
          WHERE sweep_id = ? AND trial_id = ? AND attempt = ?
          """
      ).execute(arguments: [state, reason, time.milliseconds, charge.value, lease.sweepID, trialID, attempt])
      charge = .zero
      switch try moveTrial(
        db, sweepID: lease.sweepID, trialID: trialID, attempt: attempt, countsAsFailure: countsAsFailure)
      {
      case .requeue: outcome.requeued += 1
      case .fail: outcome.failed += 1
      default: break
      }
    }
    return outcome
  }

  /// Applies the end of an unsuccessful attempt to its trial.
  static func moveTrial(_ db: Database, sweepID: String, trialID: String, attempt: Int, countsAsFailure: Bool) throws
    -> TrialLifecycle.Action
  {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT t.state, t.attempts, t.failures, t.completed_attempt, t.prune_reason, s.max_attempts FROM trials t
            JOIN sweeps s ON s.id = t.sweep_id WHERE t.sweep_id = ? AND t.trial_id = ?
            """), arguments: [sweepID, trialID])
    else { throw StoreError.corrupt("no trial \(trialID)") }
    var lifecycle = TrialLifecycle(
      state: TrialState(rawValue: row["state"]) ?? .pending, attempts: row["attempts"], failures: row["failures"],
      maxAttempts: row["max_attempts"], completedAttempt: row["completed_attempt"])
    let pruned = (row["prune_reason"] as String?) != nil
    let action = lifecycle.attemptEnded(attempt: attempt, countsAsFailure: countsAsFailure, pruned: pruned)
    if action == .prune {
      // Until the report (if any) says better, the value it had at its last rung.
      try db.cachedStatement(
        sql: """
          UPDATE trials SET objective = (SELECT value FROM rungs WHERE sweep_id = ?1 AND trial_id = ?2 ORDER BY rung DESC LIMIT 1)
          WHERE sweep_id = ?1 AND trial_id = ?2
          """
      ).execute(arguments: [sweepID, trialID])
    }
    if action != .ignore {
      try db.cachedStatement(sql: "UPDATE trials SET state = ?, failures = ? WHERE sweep_id = ? AND trial_id = ?")
        .execute(arguments: [lifecycle.state.rawValue, lifecycle.failures, sweepID, trialID])
    }
    return action
  }

  /// Books the lease's paid time up to `time` (capped at its reserved end) and returns the increment.
  static func chargeLease(_ db: Database, leaseID: String, upTo time: Timestamp) throws -> MicroDollars {
    guard let lease = try LeaseRow.fetch(db, id: leaseID), lease.state == "active", lease.isPaid,
      let reservation = lease.reservation
    else { return .zero }
    var meter = lease.meter
    let increment = meter.charge(upTo: time)
    guard increment > .zero else { return .zero }
    var stored = try StoredLedger.load(db, sweepID: lease.sweepID)
    let remaining = try stored.ledger.charge(reservation, increment)
    try stored.save(db)
    try db.cachedStatement(sql: "UPDATE leases SET charged = ?, held = ? WHERE id = ?").execute(arguments: [
      meter.charged.value, remaining.amount.value, leaseID,
    ])
    try db.cachedStatement(sql: "UPDATE workers SET spent = spent + ? WHERE id = ?").execute(arguments: [
      increment.value, lease.workerID,
    ])
    return increment
  }

  /// Closes an active lease: releases what is left of its reservation, and puts its shard back
  /// in the queue if any of its trials still needs an attempt.
  static func closeLease(_ db: Database, lease: LeaseRow, end: LeaseEnd, at time: Timestamp) throws {
    guard let current = try LeaseRow.fetch(db, id: lease.id), current.state == "active" else { return }
    if let reservation = current.reservation {
      var stored = try StoredLedger.load(db, sweepID: current.sweepID)
      try stored.ledger.settle(reservation, actual: .zero)
      try stored.save(db)
    }
    try db.cachedStatement(sql: "UPDATE leases SET state = ?, end_reason = ?, held = 0, closed_at = ? WHERE id = ?")
      .execute(arguments: [end.rawValue, end.rawValue, time.milliseconds, lease.id])
    let pending =
      try Int.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT COUNT(*) FROM trials WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state = 'pending'
            """), arguments: [lease.sweepID, lease.domain, lease.shardOrdinal]) ?? 0
    try db.cachedStatement(sql: "UPDATE shards SET state = ? WHERE sweep_id = ? AND domain = ? AND ordinal = ?")
      .execute(arguments: [pending > 0 ? "pending" : "done", lease.sweepID, lease.domain, lease.shardOrdinal])
    let sweepState = try String.fetchOne(
      db.cachedStatement(sql: "SELECT state FROM sweeps WHERE id = ?"), arguments: [lease.sweepID])
    if sweepState == "cancelled" {
      try db.cachedStatement(
        sql:
          "UPDATE trials SET state = 'cancelled' WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state IN ('pending', 'leased')"
      ).execute(arguments: [lease.sweepID, lease.domain, lease.shardOrdinal])
    }
    try completeIfFinished(db, sweepID: lease.sweepID, now: time)
  }
}
