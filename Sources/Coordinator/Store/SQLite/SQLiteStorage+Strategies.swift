import GRDB
import Shared

extension SQLiteStorage {
  func strategyTrials(_ sweep: String, domain: String?, spec: SweepSpec) throws -> [StrategyTrial] {
    let columns = "trial_id, domain, params, stage, origin, state, objective, duration_ms"
    let rows =
      try domain.map { domain in
        try Row.fetchAll(
          db.cachedStatement(sql: "SELECT \(columns) FROM trials WHERE sweep_id = ? AND domain = ? ORDER BY idx"),
          arguments: [sweep, domain])
      }
      ?? Row.fetchAll(
        db.cachedStatement(sql: "SELECT \(columns) FROM trials WHERE sweep_id = ? ORDER BY domain, idx"),
        arguments: [sweep])
    return try rows.map { row in
      StrategyTrial(
        id: row[0], domain: row[1], values: spec.values(of: try StoredJSON.decodeParams(row[2])), stage: row[3],
        origin: try Self.decode(TrialOrigin.self, row[4]), state: try Self.decode(TrialState.self, row[5]),
        objective: row[6], seconds: (row[7] as Int64?).map { Double($0) / 1000 })
    }
  }

  func warmStartObservations(sweepID: String, spec: SweepSpec) throws -> [AdaptiveProposer.Observation] {
    guard
      let metric = try String.fetchOne(
        db.cachedStatement(sql: "SELECT objective_metric FROM sweeps WHERE id = ?"), arguments: [sweepID]),
      metric == spec.objective.metric
    else { return [] }
    return try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT domain, params, objective, duration_ms FROM trials
          WHERE sweep_id = ? AND stage = 0 AND state IN (?, ?) AND objective IS NOT NULL
          """),
      arguments: [sweepID, TrialState.succeeded.rawValue, TrialState.pruned.rawValue]
    ).map { row in
      AdaptiveProposer.Observation(
        values: spec.values(of: try StoredJSON.decodeParams(row[1])), domain: row[0], objective: row[2],
        seconds: (row[3] as Int64?).map { Double($0) / 1000 })
    }
  }

  func lowestShardPosition(_ sweep: String) throws -> Int64 {
    try Int64.fetchOne(
      db.cachedStatement(sql: "SELECT MIN(position) FROM shards WHERE sweep_id = ?"), arguments: [sweep]) ?? 0
  }

  func nextTrialSlot(_ sweep: String, domain: String) throws -> (index: Int, ordinal: Int) {
    let row = try Row.fetchOne(
      db.cachedStatement(
        sql: """
          SELECT (SELECT COALESCE(MAX(idx), -1) + 1 FROM trials WHERE sweep_id = ?1 AND domain = ?2),
            (SELECT COALESCE(MAX(ordinal), -1) + 1 FROM shards WHERE sweep_id = ?1 AND domain = ?2)
          """), arguments: [sweep, domain])
    return (row?[0] ?? 0, row?[1] ?? 0)
  }

  func releaseWaiting(_ sweep: String, domain: String) throws {
    try db.cachedStatement(sql: "UPDATE trials SET state = ? WHERE sweep_id = ? AND domain = ? AND state = ?")
      .execute(arguments: [TrialState.pending.rawValue, sweep, domain, TrialState.waiting.rawValue])
    try db.cachedStatement(sql: "UPDATE shards SET state = ? WHERE sweep_id = ? AND domain = ? AND state = ?")
      .execute(arguments: [ShardState.pending.rawValue, sweep, domain, ShardState.waiting.rawValue])
  }

  func trialForEarlyStopping(_ sweep: String, trialID: String) throws -> TrialForEarlyStopping<TrialKey>? {
    try Row.fetchOne(
      db.cachedStatement(
        sql:
          "SELECT domain, params, stage, state, attempts, prune_reason FROM trials WHERE sweep_id = ? AND trial_id = ?"
      ), arguments: [sweep, trialID]
    ).map { row in
      TrialForEarlyStopping(
        ref: TrialKey(sweepID: sweep, trialID: trialID), domain: row[0], params: try StoredJSON.decodeParams(row[1]),
        stage: row[2], state: try Self.decode(TrialState.self, row[3]), attempts: row[4], pruneReason: row[5])
    }
  }

  func insertRung(
    _ trial: TrialKey, trialID: String, domain: String, stage: Int, rung: Int, epoch: Double, value: Double
  ) throws -> Bool {
    try db.cachedStatement(
      sql: """
        INSERT OR IGNORE INTO rungs(sweep_id, trial_id, domain, stage, rung, epoch, value) VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [trial.sweepID, trialID, domain, stage, rung, epoch, value])
    return db.changesCount > 0
  }

  func rungPeers(_ sweep: String, domain: String, stage: Int, rung: Int, excluding trialID: String) throws -> [Double] {
    try Double.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT value FROM rungs WHERE sweep_id = ? AND domain = ? AND stage = ? AND rung = ? AND trial_id != ?
          """), arguments: [sweep, domain, stage, rung, trialID])
  }

  func setPruneReason(_ trial: TrialKey, _ reason: String) throws {
    try db.cachedStatement(sql: "UPDATE trials SET prune_reason = ? WHERE sweep_id = ? AND trial_id = ?").execute(
      arguments: [reason, trial.sweepID, trial.trialID])
  }
}
