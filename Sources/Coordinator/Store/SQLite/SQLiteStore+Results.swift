import Foundation
import GRDB
import Shared

extension SQLiteStore {
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
            WHERE r.sweep_id = ? AND (r.completed = 1 OR (t.state IN (?, ?) AND r.attempt = t.attempts))
            """), arguments: [sweepID, TrialState.failed.rawValue, TrialState.pruned.rawValue])
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
          r.metrics, r.duration_ms, r.reported_at, a.started_at, a.ended_at, w.name AS worker, w.provider, w.rate,
          a.reason, r.exit_code, r.stderr_tail
        FROM trials t
        LEFT JOIN attempts a ON a.sweep_id = t.sweep_id AND a.trial_id = t.trial_id
          AND a.attempt = COALESCE(t.completed_attempt, t.attempts)
        LEFT JOIN results r ON r.sweep_id = t.sweep_id AND r.trial_id = t.trial_id AND r.attempt = a.attempt
        LEFT JOIN workers w ON w.id = a.worker_id
        WHERE t.sweep_id = ? AND t.domain = ? AND t.idx > ?
          AND \(query.bestOnly ? "t.state = ?" : "t.state IN (?, ?, ?)")
        ORDER BY \(query.bestOnly ? "t.objective IS NULL, t.objective \(order), t.idx LIMIT 1" : "t.idx LIMIT ?")
        """
      let domains = try StoredJSON.decodeStrings(sweep["domains"])
      // Finished trials: those with a result to export.
      let finished: [TrialState] = query.bestOnly ? [.succeeded] : [.succeeded, .failed, .pruned]
      var position = cursor ?? ResultCursor(domainIndex: 0, afterIndex: -1)
      var records: [ResultRecord] = []
      while position.domainIndex < domains.count && records.count < limit {
        let domain = domains[position.domainIndex]
        guard query.domain == nil || query.domain == domain else {
          position = ResultCursor(domainIndex: position.domainIndex + 1, afterIndex: -1)
          continue
        }
        var arguments: StatementArguments = [query.sweepID, domain, position.afterIndex]
        arguments += StatementArguments(finished.map(\.rawValue))
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
    var record = ResultRecord(
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
    record.exitCode = row["exit_code"]
    if record.status != TrialState.succeeded.rawValue {
      record.error = row["reason"]
      record.stderrTail = row["stderr_tail"]
    }
    return record
  }
}
