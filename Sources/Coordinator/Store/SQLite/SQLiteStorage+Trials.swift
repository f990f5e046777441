import Foundation
import GRDB
import Shared

extension SQLiteStorage {
  typealias ShardRef = ShardKey
  typealias TrialRef = TrialKey

  func insertTrial(
    _ sweep: String, _ trial: Trial, shardOrdinal: Int, state: TrialState, stage: Int, origin: TrialOrigin
  ) throws -> Bool {
    try db.cachedStatement(
      sql: """
        INSERT OR IGNORE INTO trials(sweep_id, trial_id, domain, idx, shard_ordinal, params, argv, state, stage, origin)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      sweep, trial.id, trial.domain, trial.index, shardOrdinal, StoredJSON.encodeParams(trial.params),
      StoredJSON.encodeStrings(trial.argv), state.rawValue, stage, origin.rawValue,
    ])
    return db.changesCount > 0
  }

  func insertShard(_ sweep: String, domain: String, ordinal: Int, position: Int64, state: ShardState) throws {
    try db.cachedStatement(
      sql: "INSERT INTO shards(sweep_id, domain, ordinal, position, state) VALUES (?, ?, ?, ?, ?)"
    ).execute(arguments: [sweep, domain, ordinal, position, state.rawValue])
  }

  func nextPendingShard(_ sweep: String) throws -> (shard: ShardKey, fencing: Int64)? {
    try Row.fetchOne(
      db.cachedStatement(
        sql: "SELECT domain, ordinal, fencing FROM shards WHERE sweep_id = ? AND state = ? ORDER BY position LIMIT 1"),
      arguments: [sweep, ShardState.pending.rawValue]
    ).map { row in (ShardKey(sweepID: sweep, domain: row[0], ordinal: row[1]), row[2]) }
  }

  func pendingTrials(_ shard: ShardKey) throws -> [TrialToLease<TrialKey>] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT trial_id, params, argv, attempts, failures FROM trials
          WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state = ? ORDER BY idx
          """), arguments: [shard.sweepID, shard.domain, shard.ordinal, TrialState.pending.rawValue]
    ).map { row in
      TrialToLease(
        ref: TrialKey(sweepID: shard.sweepID, trialID: row[0]), id: row[0], domain: shard.domain, attempts: row[3],
        failures: row[4], params: try StoredJSON.decodeParams(row[1]), argv: try StoredJSON.decodeStrings(row[2]))
    }
  }

  func shardHasPendingTrials(_ shard: ShardKey) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(
        sql: """
          SELECT EXISTS (SELECT 1 FROM trials WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state = ?)
          """), arguments: [shard.sweepID, shard.domain, shard.ordinal, TrialState.pending.rawValue]) ?? false
  }

  func trialShard(_ trial: TrialKey) throws -> (ref: ShardKey, state: ShardState) {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT t.domain, t.shard_ordinal, s.state FROM trials t
            JOIN shards s ON s.sweep_id = t.sweep_id AND s.domain = t.domain AND s.ordinal = t.shard_ordinal
            WHERE t.sweep_id = ? AND t.trial_id = ?
            """), arguments: [trial.sweepID, trial.trialID])
    else { throw StoreError.corrupt("trial \(trial.trialID) has no shard") }
    return (ShardKey(sweepID: trial.sweepID, domain: row[0], ordinal: row[1]), try Self.decode(ShardState.self, row[2]))
  }

  func setShardState(_ shard: ShardKey, _ state: ShardState) throws {
    try db.cachedStatement(sql: "UPDATE shards SET state = ? WHERE sweep_id = ? AND domain = ? AND ordinal = ?")
      .execute(arguments: [state.rawValue, shard.sweepID, shard.domain, shard.ordinal])
  }

  func leaseShard(_ shard: ShardKey, fencing: Int64) throws {
    try db.cachedStatement(
      sql: "UPDATE shards SET state = ?, fencing = ? WHERE sweep_id = ? AND domain = ? AND ordinal = ?"
    ).execute(arguments: [ShardState.leased.rawValue, fencing, shard.sweepID, shard.domain, shard.ordinal])
  }

  func cancelShardTrials(_ shard: ShardKey) throws {
    try db.cachedStatement(
      sql: "UPDATE trials SET state = ? WHERE sweep_id = ? AND domain = ? AND shard_ordinal = ? AND state IN (?, ?)"
    ).execute(arguments: [
      TrialState.cancelled.rawValue, shard.sweepID, shard.domain, shard.ordinal, TrialState.pending.rawValue,
      TrialState.leased.rawValue,
    ])
  }

  func trialRow(_ trial: TrialKey) throws -> TrialRow {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT t.state, t.attempts, t.failures, t.completed_attempt, t.prune_reason IS NOT NULL, s.max_attempts
            FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.sweep_id = ? AND t.trial_id = ?
            """), arguments: [trial.sweepID, trial.trialID])
    else { throw StoreError.corrupt("no trial \(trial.trialID)") }
    return try Self.trialRow(row)
  }

  /// Columns: state, attempts, failures, completed_attempt, pruned, max_attempts (read by position:
  /// by name, GRDB lower-cases the name on every read).
  static func trialRow(_ row: Row) throws -> TrialRow {
    TrialRow(
      state: try decode(TrialState.self, row[0]), attempts: row[1], failures: row[2], completedAttempt: row[3],
      pruned: row[4], maxAttempts: row[5])
  }

  func trialForReport(sweepID: String, trialID: String) throws -> TrialForReport<String, TrialKey>? {
    try Row.fetchOne(
      db.cachedStatement(
        sql: """
          SELECT t.state, t.attempts, t.failures, t.completed_attempt, t.prune_reason IS NOT NULL, s.max_attempts,
            t.domain, s.objective_metric, s.param_names, s.trial_price
          FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.sweep_id = ? AND t.trial_id = ?
          """), arguments: [sweepID, trialID]
    ).map { row in
      TrialForReport(
        sweep: sweepID, trial: TrialKey(sweepID: sweepID, trialID: trialID), row: try Self.trialRow(row),
        domain: row[6], objectiveMetric: row[7],
        parameterNames: try StoredJSON.decodeStrings(row[8]), trialPrice: (row[9] as Int64?).map(MicroDollars.init))
    }
  }

  func setTrialState(_ trial: TrialKey, _ state: TrialState, failures: Int) throws {
    try db.cachedStatement(sql: "UPDATE trials SET state = ?, failures = ? WHERE sweep_id = ? AND trial_id = ?")
      .execute(arguments: [state.rawValue, failures, trial.sweepID, trial.trialID])
  }

  func completeTrial(_ trial: TrialKey, attempt: Int, objective: Double?, durationMs: Int64?) throws {
    try db.cachedStatement(
      sql: """
        UPDATE trials SET state = ?, completed_attempt = ?, objective = ?, duration_ms = ?
        WHERE sweep_id = ? AND trial_id = ?
        """
    ).execute(arguments: [
      TrialState.succeeded.rawValue, attempt, objective, durationMs, trial.sweepID, trial.trialID,
    ])
  }

  func recordPrunedResult(_ trial: TrialKey, attempt: Int, objective: Double?, durationMs: Int64?) throws {
    try db.cachedStatement(
      sql: """
        UPDATE trials SET objective = COALESCE(?, objective), duration_ms = ?, completed_attempt = ?
        WHERE sweep_id = ? AND trial_id = ?
        """
    ).execute(arguments: [objective, durationMs, attempt, trial.sweepID, trial.trialID])
  }

  func takeObjectiveFromLastRung(_ trial: TrialKey) throws {
    try db.cachedStatement(
      sql: """
        UPDATE trials SET objective = (SELECT value FROM rungs WHERE sweep_id = ?1 AND trial_id = ?2 ORDER BY rung DESC LIMIT 1)
        WHERE sweep_id = ?1 AND trial_id = ?2
        """
    ).execute(arguments: [trial.sweepID, trial.trialID])
  }

  // MARK: Attempts and results

  func startAttempt(
    _ trial: TrialKey, attempt: Int, lease: String, leaseID: String, worker: String, workerID: String,
    now: Timestamp
  ) throws {
    try db.cachedStatement(sql: "UPDATE trials SET state = ?, attempts = ? WHERE sweep_id = ? AND trial_id = ?")
      .execute(arguments: [TrialState.leased.rawValue, attempt, trial.sweepID, trial.trialID])
    try db.cachedStatement(
      sql: """
        INSERT INTO attempts(sweep_id, trial_id, attempt, lease_id, worker_id, state, started_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      trial.sweepID, trial.trialID, attempt, leaseID, workerID, AttemptOutcome.running.rawValue, now.milliseconds,
    ])
  }

  func attempt(_ trial: TrialKey, _ number: Int) throws -> AttemptRow? {
    try Row.fetchOne(
      db.cachedStatement(
        sql: "SELECT lease_id, state, worker_id FROM attempts WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
      arguments: [trial.sweepID, trial.trialID, number]
    ).map { row in
      AttemptRow(leaseID: row[0], outcome: try Self.decode(AttemptOutcome.self, row[1]), workerID: row[2])
    }
  }

  func endAttempt(
    _ trial: TrialKey, _ number: Int, outcome: AttemptOutcome, reason: String, at time: Timestamp, cost: MicroDollars
  ) throws {
    try db.cachedStatement(
      sql: """
        UPDATE attempts SET state = ?, reason = ?, ended_at = ?, cost = cost + ?
        WHERE sweep_id = ? AND trial_id = ? AND attempt = ?
        """
    ).execute(arguments: [
      outcome.rawValue, reason, time.milliseconds, cost.value, trial.sweepID, trial.trialID, number,
    ])
  }

  func attemptCost(_ trial: TrialKey, _ number: Int) throws -> MicroDollars {
    MicroDollars(
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT cost FROM attempts WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
        arguments: [trial.sweepID, trial.trialID, number]) ?? 0)
  }

  func storedAck(_ trial: TrialKey, _ number: Int) throws -> ResultAck? {
    try String.fetchOne(
      db.cachedStatement(sql: "SELECT ack FROM results WHERE sweep_id = ? AND trial_id = ? AND attempt = ?"),
      arguments: [trial.sweepID, trial.trialID, number]
    ).map { try WireCoding.decoder().decode(ResultAck.self, from: Data($0.utf8)) }
  }

  func insertResult(
    _ trial: TrialKey, _ number: Int, report: ResultReport, completed: Bool, workerID: String, now: Timestamp,
    ack: ResultAck
  ) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO results(sweep_id, trial_id, attempt, status, completed, metrics, exit_code, stderr_tail, duration_ms,
          worker_id, reported_at, ack)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      trial.sweepID, trial.trialID, number, report.status.rawValue, completed ? 1 : 0,
      StoredJSON.encodeMetrics(report.metrics), report.exitCode, report.stderrTail.map { String($0.suffix(8192)) },
      Scheduler.milliseconds(report.durationS), workerID, now.milliseconds, ack.json.serialized(),
    ])
  }
}
