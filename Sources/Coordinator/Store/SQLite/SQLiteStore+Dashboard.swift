import GRDB
import Shared

extension SQLiteStore: DashboardStore {
  public func runningTrials(sweepID: String) async throws -> [RunningTrial] {
    try await pool.read { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT a.trial_id, a.attempt, a.started_at, t.domain, t.params, w.name,
            p.epoch, p.step, p.metrics
          FROM attempts a JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
          JOIN workers w ON w.id = a.worker_id
          LEFT JOIN progress p ON p.sweep_id = a.sweep_id AND p.trial_id = a.trial_id AND p.attempt = a.attempt
          WHERE a.sweep_id = ? AND a.state = 'running'
          ORDER BY a.started_at, a.trial_id
          """, arguments: [sweepID])
      return try rows.map { row in
        let trialID: String = row["trial_id"]
        let attempt: Int = row["attempt"]
        return RunningTrial(
          trialId: trialID, domain: row["domain"], attempt: attempt, worker: row["name"],
          startedAt: Timestamp(milliseconds: row["started_at"]).iso8601, epoch: row["epoch"], step: row["step"],
          metrics: try (row["metrics"] as String?).map(StoredJSON.decodeMetrics) ?? [:],
          history: try Self.history(db, sweepID: sweepID, trialID: trialID, attempt: attempt, limit: 200),
          params: Dictionary(
            try StoredJSON.decodeParams(row["params"]).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
      }
    }
  }

  /// An attempt's progress, oldest first: the latest `limit` heartbeats.
  static func history(_ db: Database, sweepID: String, trialID: String, attempt: Int?, limit: Int) throws
    -> [ProgressPoint]
  {
    let rows = try Row.fetchAll(
      db,
      sql: """
        SELECT at, epoch, step, metrics FROM progress_history
        WHERE sweep_id = ? AND trial_id = ? AND (? IS NULL OR attempt = ?) ORDER BY at DESC LIMIT ?
        """, arguments: [sweepID, trialID, attempt, attempt, limit])
    return try rows.reversed().map { row in
      ProgressPoint(
        at: Timestamp(milliseconds: row["at"]).iso8601, epoch: row["epoch"], step: row["step"],
        metrics: try StoredJSON.decodeMetrics(row["metrics"]))
    }
  }

  public func stageCounts(sweepID: String) async throws -> [DomainProgress] {
    try await pool.read { db in
      guard
        let domainsText = try String.fetchOne(db, sql: "SELECT domains FROM sweeps WHERE id = ?", arguments: [sweepID])
      else {
        throw StoreError.notFound(
          code: "sweep_not_found", message: "no sweep '\(sweepID)'; `sweep status` lists the sweeps")
      }
      let domains = try StoredJSON.decodeStrings(domainsText)
      let stageNames = try strategySpec(db, sweepID: sweepID)?.stages.map(\.name) ?? []
      var counts: [String: [Int: TrialCounts]] = [:]
      for row in try Row.fetchAll(
        db,
        sql: "SELECT domain, stage, state, COUNT(*) AS n FROM trials WHERE sweep_id = ? GROUP BY domain, stage, state",
        arguments: [sweepID])
      {
        let domain: String = row["domain"]
        let stage: Int = row["stage"]
        var current = counts[domain]?[stage] ?? TrialCounts()
        guard let state = TrialState(rawValue: row["state"]) else {
          throw StoreError.corrupt("trial state \(String(describing: row["state"]))")
        }
        current.add(state, row["n"])
        counts[domain, default: [:]][stage] = current
      }
      return domains.flatMap { domain in
        (counts[domain] ?? [0: TrialCounts()]).sorted { $0.key < $1.key }.map { stage, counts in
          DomainProgress(
            domain: domain, stage: stageNames.indices.contains(stage) ? stageNames[stage] : nil, counts: counts)
        }
      }
    }
  }

  public func trialDetail(sweepID: String, trialID: String) async throws -> TrialDetail {
    try await pool.read { db in
      guard
        let trial = try Row.fetchOne(
          db,
          sql: "SELECT domain, state, origin, stage, params, objective FROM trials WHERE sweep_id = ? AND trial_id = ?",
          arguments: [sweepID, trialID])
      else {
        throw StoreError.notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
      }
      let attempts = try Row.fetchAll(
        db,
        sql: """
          SELECT a.attempt, a.state, a.reason, w.name, a.started_at, a.ended_at, a.cost FROM attempts a
          JOIN workers w ON w.id = a.worker_id WHERE a.sweep_id = ? AND a.trial_id = ? ORDER BY a.attempt
          """, arguments: [sweepID, trialID]
      ).map { row in
        AttemptDetail(
          attempt: row["attempt"], state: row["state"], reason: row["reason"], worker: row["name"],
          startedAt: Timestamp(milliseconds: row["started_at"]),
          endedAt: (row["ended_at"] as Int64?).map(Timestamp.init(milliseconds:)), cost: MicroDollars(row["cost"]))
      }
      var history: [(attempt: Int, point: ProgressPoint)] = []
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT attempt, at, epoch, step, metrics FROM progress_history
          WHERE sweep_id = ? AND trial_id = ? ORDER BY attempt, at LIMIT 5000
          """, arguments: [sweepID, trialID])
      {
        history.append(
          (
            row["attempt"],
            ProgressPoint(
              at: Timestamp(milliseconds: row["at"]).iso8601, epoch: row["epoch"], step: row["step"],
              metrics: try StoredJSON.decodeMetrics(row["metrics"]))
          ))
      }
      var metrics: [Int: [String: Double]] = [:]
      var tail: String? = nil
      for row in try Row.fetchAll(
        db,
        sql: "SELECT attempt, metrics, stderr_tail FROM results WHERE sweep_id = ? AND trial_id = ? ORDER BY attempt",
        arguments: [sweepID, trialID])
      {
        metrics[row["attempt"]] = try StoredJSON.decodeMetrics(row["metrics"])
        tail = row["stderr_tail"] ?? tail
      }
      return TrialDetail(
        trialID: trialID, domain: trial["domain"], state: trial["state"], origin: trial["origin"],
        stage: trial["stage"], params: try StoredJSON.decodeParams(trial["params"]).map { ($0.name, $0.value) },
        objective: trial["objective"], attempts: attempts, history: history, metrics: metrics, outputTail: tail)
    }
  }

  public func ledgerSamples(sweepID: String) async throws -> [LedgerSample] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT at, spent, reserved FROM ledger_samples WHERE sweep_id = ? ORDER BY at", arguments: [sweepID]
      ).map { row in
        LedgerSample(
          at: Timestamp(milliseconds: row["at"]).iso8601, spentUsd: DollarAmount(MicroDollars(row["spent"])),
          reservedUsd: DollarAmount(MicroDollars(row["reserved"])))
      }
    }
  }

  @discardableResult public func sampleLedgers(now: Timestamp) async throws -> Int {
    try await pool.write { db in
      var written = 0
      let sweeps = try String.fetchAll(
        db, sql: "SELECT id FROM sweeps WHERE state IN ('running', 'paused') ORDER BY seq")
      for sweepID in sweeps {
        // The ledger's two totals only (a whole status counts a million trials): what the
        // sweep spent, and what its active leases and the idle windows in it hold.
        let spent = try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps WHERE id = ?", arguments: [sweepID]) ?? 0
        let reserved =
          (try Int64.fetchOne(
            db, sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE sweep_id = ? AND state = ?",
            arguments: [sweepID, LeaseState.active.rawValue]) ?? 0)
          + (try Int64.fetchOne(
            db, sql: "SELECT COALESCE(SUM(hold_held), 0) FROM workers WHERE hold_sweep_id = ?", arguments: [sweepID])
            ?? 0)
        let last = try Row.fetchOne(
          db, sql: "SELECT spent, reserved FROM ledger_samples WHERE sweep_id = ? ORDER BY at DESC LIMIT 1",
          arguments: [sweepID])
        if let last, last["spent"] as Int64 == spent, last["reserved"] as Int64 == reserved { continue }
        try db.execute(
          sql: "INSERT OR REPLACE INTO ledger_samples(sweep_id, at, spent, reserved) VALUES (?, ?, ?, ?)",
          arguments: [sweepID, now.milliseconds, spent, reserved])
        written += 1
      }
      return written
    }
  }
}
