import Foundation
import GRDB
import Shared

extension SQLiteStore {
  public func report(trialID: String, workerID: String, report: ResultReport, now: Timestamp) async throws -> ResultAck
  {
    try await committer.write { db in
      try self.recordReport(db, trialID: trialID, workerID: workerID, report: report, now: now)
    }
  }

  /// Every report in one transaction of the group commit, each in its own savepoint: a refused
  /// report (a ``StoreError``) rolls back only itself; a database failure fails the whole batch,
  /// so that nothing is acknowledged that was not committed.
  public func reportBatch(_ results: [BatchedResult], workerID: String, now: Timestamp) async throws
    -> [Result<ResultAck, StoreError>]
  {
    try await committer.write { db in
      try results.map { item in
        do {
          var ack: ResultAck?
          try db.inSavepoint {
            ack = try self.recordReport(db, trialID: item.trialId, workerID: workerID, report: item.report, now: now)
            return .commit
          }
          guard let ack else { throw StoreError.corrupt("report of '\(item.trialId)' produced no answer") }
          return .success(ack)
        } catch let error as StoreError {
          return .failure(error)
        }
      }
    }
  }

  /// One report inside the caller's transaction.
  func recordReport(_ db: Database, trialID: String, workerID: String, report: ResultReport, now: Timestamp) throws
    -> ResultAck
  {
    let sweepID = report.sweepId
    // Columns are read by position below: by name, GRDB lower-cases the name on every read.
    guard
      let trial = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT t.state, t.attempts, t.failures, t.completed_attempt, t.domain, s.max_attempts, s.objective_metric
            FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.sweep_id = ? AND t.trial_id = ?
            """), arguments: [sweepID, trialID])
    else {
      throw StoreError.notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
    }
    // The same report twice gets the same answer.
    if let stored = try String.fetchOne(
      db.cachedStatement(sql: "SELECT ack FROM results WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
      arguments: [sweepID, trialID, report.attempt])
    {
      return try WireCoding.decoder().decode(ResultAck.self, from: Data(stored.utf8))
    }
    guard
      let attempt = try Row.fetchOne(
        db.cachedStatement(
          sql: "SELECT lease_id, state, cost FROM attempts WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
        arguments: [sweepID, trialID, report.attempt])
    else {
      throw StoreError.conflict(
        code: "no_such_attempt", message: "trial '\(trialID)' has no attempt \(report.attempt); it was never granted")
    }
    let leaseID: String = attempt[0]
    guard leaseID == report.leaseId else {
      throw StoreError.conflict(
        code: "attempt_not_in_lease",
        message:
          "attempt \(report.attempt) of trial '\(trialID)' belongs to lease '\(leaseID)', not '\(report.leaseId)'")
    }
    let lease = try Self.ownedLease(db, leaseID: leaseID, workerID: workerID)
    guard report.fencingToken == lease.fencing else {
      throw Self.conflict(.fenced, leaseID: leaseID)
    }
    if lease.state == "active", now >= lease.expiresAt { _ = try Self.expire(db, lease: lease, now: now) }
    let attemptOpen = (attempt[1] as String) == "running"
    var lifecycle = TrialLifecycle(
      state: TrialState(rawValue: trial[0]) ?? .pending, attempts: trial[1],
      failures: trial[2], maxAttempts: trial[5], completedAttempt: trial[3])

    let outcome: ResultAck.Outcome
    if report.status == .succeeded {
      guard case .complete = lifecycle.succeeded(attempt: report.attempt) else {
        throw StoreError.conflict(
          code: "trial_already_completed",
          message:
            "trial '\(trialID)' already has its result from attempt \(lifecycle.completedAttempt ?? 0); this one was not merged"
        )
      }
      let metric: String = trial[6]
      try db.cachedStatement(
        sql: """
          UPDATE trials SET state = 'succeeded', completed_attempt = ?, objective = ?, duration_ms = ?
          WHERE sweep_id = ? AND trial_id = ?
          """
      ).execute(arguments: [
        report.attempt, report.metrics[metric], report.durationS.map { Int64(($0 * 1000).rounded()) }, sweepID,
        trialID,
      ])
      try db.cachedStatement(sql: "UPDATE workers SET trials_done = trials_done + 1 WHERE id = ?").execute(
        arguments: [workerID])
      outcome = .completed
    } else if attemptOpen {
      outcome = .recorded
    } else {
      outcome = .late
    }
    if attemptOpen {
      let charge = try Self.chargeLease(db, leaseID: leaseID, upTo: now)
      try db.cachedStatement(
        sql: """
          UPDATE attempts SET state = ?, reason = ?, ended_at = ?, cost = cost + ?
          WHERE sweep_id = ? AND trial_id = ? AND attempt = ?
          """
      ).execute(arguments: [
        report.status.rawValue, Self.reason(report), now.milliseconds, charge.value, sweepID, trialID,
        report.attempt,
      ])
      if report.status != .succeeded {
        let moved = try Self.moveTrial(
          db, sweepID: sweepID, trialID: trialID, attempt: report.attempt,
          countsAsFailure: report.status.countsAsFailure)
        // A pruned trial's result is its last intermediate value of the objective, with its time.
        if moved == .prune {
          let metric: String = trial[6]
          try db.cachedStatement(
            sql: """
              UPDATE trials SET objective = COALESCE(?, objective), duration_ms = ?, completed_attempt = ?
              WHERE sweep_id = ? AND trial_id = ?
              """
          ).execute(arguments: [
            report.metrics[metric], report.durationS.map { Int64(($0 * 1000).rounded()) }, report.attempt, sweepID,
            trialID,
          ])
        }
      }
      let running =
        try Int.fetchOne(
          db.cachedStatement(sql: "SELECT COUNT(*) FROM attempts WHERE lease_id = ? AND state = 'running'"),
          arguments: [leaseID])
        ?? 0
      if running == 0, let current = try LeaseRow.fetch(db, id: leaseID) {
        try Self.closeLease(db, lease: current, end: .completed, at: now)
      }
    }
    if outcome == .completed { try Self.completeIfFinished(db, sweepID: sweepID, now: now) }
    if let domain: String = trial[4] {
      try self.applyStrategies(db, sweepID: sweepID, domain: domain, now: now)
    }
    let state =
      try String.fetchOne(
        db.cachedStatement(sql: "SELECT state FROM trials WHERE sweep_id = ? AND trial_id = ?"),
        arguments: [sweepID, trialID])
      ?? "pending"
    let cost =
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT cost FROM attempts WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
        arguments: [sweepID, trialID, report.attempt]) ?? 0
    let ack = ResultAck(
      trialId: trialID, attempt: report.attempt, outcome: outcome, trialState: state,
      costUsd: DollarAmount(MicroDollars(cost)))
    let ackText = ack.json.serialized()
    try db.cachedStatement(
      sql: """
        INSERT INTO results(sweep_id, trial_id, attempt, status, completed, metrics, exit_code, stderr_tail, duration_ms,
          worker_id, reported_at, ack)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      sweepID, trialID, report.attempt, report.status.rawValue, outcome == .completed ? 1 : 0,
      StoredJSON.encodeMetrics(report.metrics), report.exitCode, report.stderrTail.map { String($0.suffix(8192)) },
      report.durationS.map { Int64(($0 * 1000).rounded()) }, workerID, now.milliseconds, ackText,
    ])
    return ack
  }

  static func reason(_ report: ResultReport) -> String {
    var text = report.status.rawValue
    if let code = report.exitCode { text += " (exit \(code))" }
    if let tail = report.stderrTail?.split(separator: "\n").last { text += ": " + String(tail.prefix(200)) }
    return text
  }

  public func resultColumns(sweepID: String) async throws -> (params: [String], metrics: [String]) {
    try await pool.read { db in
      guard
        let names = try String.fetchOne(
          db.cachedStatement(sql: "SELECT param_names FROM sweeps WHERE id = ?"), arguments: [sweepID])
      else { throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(sweepID)'") }
      var metrics = Set<String>()
      // A cursor, not fetchAll: a million rows' metrics never sit in memory together.
      let texts = try String.fetchCursor(
        db.cachedStatement(
          sql: """
            SELECT r.metrics FROM results r JOIN trials t ON t.sweep_id = r.sweep_id AND t.trial_id = r.trial_id
            WHERE r.sweep_id = ? AND (r.completed = 1 OR (t.state IN ('failed', 'pruned') AND r.attempt = t.attempts))
            """), arguments: [sweepID])
      while let text = try texts.next() { metrics.formUnion(try StoredJSON.decodeMetrics(text).keys) }
      return (try StoredJSON.decodeStrings(names), metrics.sorted())
    }
  }

  public func exportResults(_ query: ResultQuery, after cursor: ResultCursor?, limit: Int) async throws -> ResultPage {
    try await pool.read { db in
      guard
        let sweep = try Row.fetchOne(
          db.cachedStatement(sql: "SELECT objective_goal, domains FROM sweeps WHERE id = ?"), arguments: [query.sweepID]
        )
      else { throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(query.sweepID)'") }
      let order = (sweep["objective_goal"] as String) == "minimize" ? "ASC" : "DESC"
      let sql = """
        SELECT t.trial_id, t.domain, t.params, t.state, t.idx, t.objective, t.stage, t.origin,
          COALESCE(t.completed_attempt, t.attempts) AS attempt,
          (SELECT COALESCE(SUM(cost), 0) FROM attempts x WHERE x.sweep_id = t.sweep_id AND x.trial_id = t.trial_id) AS total_cost,
          r.metrics, r.duration_ms, r.reported_at, a.started_at, a.ended_at, w.name AS worker, w.provider, w.rate
        FROM trials t
        LEFT JOIN attempts a ON a.sweep_id = t.sweep_id AND a.trial_id = t.trial_id
          AND a.attempt = COALESCE(t.completed_attempt, t.attempts)
        LEFT JOIN results r ON r.sweep_id = t.sweep_id AND r.trial_id = t.trial_id AND r.attempt = a.attempt
        LEFT JOIN workers w ON w.id = a.worker_id
        WHERE t.sweep_id = ? AND t.domain = ? AND t.idx > ?
          AND \(query.bestOnly ? "t.state = 'succeeded'" : "t.state IN ('succeeded', 'failed', 'pruned')")
        ORDER BY \(query.bestOnly ? "t.objective IS NULL, t.objective \(order), t.idx LIMIT 1" : "t.idx LIMIT ?")
        """
      let domains = try StoredJSON.decodeStrings(sweep["domains"])
      var position = cursor ?? ResultCursor(domainIndex: 0, afterIndex: -1)
      var records: [ResultRecord] = []
      while position.domainIndex < domains.count && records.count < limit {
        let domain = domains[position.domainIndex]
        guard query.domain == nil || query.domain == domain else {
          position = ResultCursor(domainIndex: position.domainIndex + 1, afterIndex: -1)
          continue
        }
        var arguments: StatementArguments = [query.sweepID, domain, position.afterIndex]
        if !query.bestOnly { arguments += [limit - records.count] }
        let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        let stageNames = try strategySpec(db, sweepID: query.sweepID)?.stages.map(\.name)
        records += try rows.map { try Self.record($0, sweepID: query.sweepID, stageNames: stageNames) }
        if query.bestOnly || rows.count < (limit - records.count + rows.count) {
          position = ResultCursor(domainIndex: position.domainIndex + 1, afterIndex: -1)  // this domain is done
        } else {
          position.afterIndex = rows.last?["idx"] ?? position.afterIndex
        }
      }
      return ResultPage(records: records, next: position.domainIndex < domains.count ? position : nil)
    }
  }

  static func record(_ row: Row, sweepID: String, stageNames: [String]?) throws -> ResultRecord {
    let metricsText: String? = row["metrics"]
    let metrics = try metricsText.map(StoredJSON.decodeMetrics) ?? [:]
    let duration: Int64? = row["duration_ms"]
    let started: Int64? = row["started_at"]
    let finished: Int64? = row["reported_at"] ?? row["ended_at"]
    var seconds = duration.map { Double($0) / 1000 }
    if seconds == nil, let started, let finished { seconds = Double(finished - started) / 1000 }
    return ResultRecord(
      sweepID: sweepID, domain: row["domain"], trialID: row["trial_id"],
      params: try StoredJSON.decodeParams(row["params"]).map { ($0.name, $0.value) },
      metrics: metrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
      cost: MicroDollars(row["total_cost"]), status: row["state"], attempt: row["attempt"], durationSeconds: seconds,
      worker: row["worker"], provider: row["provider"],
      hourlyRate: (row["rate"] as Int64?).map { HourlyRate(microDollarsPerHour: $0) },
      startedAt: started.map { Timestamp(milliseconds: $0) }, finishedAt: finished.map { Timestamp(milliseconds: $0) },
      stage: stageNames.flatMap { names in
        (row["stage"] as Int?).flatMap { names.indices.contains($0) ? names[$0] : nil }
      },
      origin: row["origin"] ?? TrialOrigin.sampled.rawValue)
  }
}
