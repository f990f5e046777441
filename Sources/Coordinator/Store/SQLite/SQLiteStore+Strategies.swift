import Foundation
import GRDB
import Shared
import SpecReading

/// The sweep strategies in the store: after a trial finishes, the pure ``StrategyEngine`` looks
/// at the sweep and its decisions (new trials, released domains) are applied in the same
/// transaction; heartbeats feed ASHA. A sweep without strategies skips all of it.
extension SQLiteStore {
  /// The spec of a sweep with strategies, or `nil` for a plain sweep (both cached).
  func strategySpec(_ db: Database, sweepID: String) throws -> SweepSpec? {
    if let cached = strategySpecs.withLock({ $0[sweepID] }) { return cached }  // a plain sweep is cached as nil
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT strategic, spec_text FROM sweeps WHERE id = ?"), arguments: [sweepID])
    else { return nil }
    var spec: SweepSpec? = nil
    if (row["strategic"] as Bool?) == true {
      do {
        spec = try SpecDecoder.decode(row["spec_text"] as String, file: "sweep \(sweepID)")
      } catch {
        throw StoreError.corrupt("the stored spec of sweep \(sweepID) no longer validates: \(error.lines.first ?? "")")
      }
    }
    strategySpecs.withLock { $0[sweepID] = .some(spec) }
    return spec
  }

  /// Runs the strategy engine on the sweep and applies its decisions; then completes the sweep
  /// if nothing is left to run. Returns whether trials were added or released.
  ///
  /// `domain` names the domain whose trial just finished: a sweep whose strategies never look
  /// across domains (stages only) then loads that domain alone, and one with early stopping only
  /// runs no engine at all.
  @discardableResult
  func applyStrategies(_ db: Database, sweepID: String, domain: String? = nil, now: Timestamp) throws -> Bool {
    guard let spec = try strategySpec(db, sweepID: sweepID) else { return false }
    let state = try String.fetchOne(
      db.cachedStatement(sql: "SELECT state FROM sweeps WHERE id = ?"), arguments: [sweepID])
    guard state == "running" else { return false }
    var decisions: [StrategyDecision] = []
    if spec.stages.count > 1 || spec.transfer != nil || spec.sampler == .adaptive {
      let crossDomain = spec.transfer != nil || spec.sampler == .adaptive
      let trials = try strategyTrials(db, sweepID: sweepID, domain: crossDomain ? nil : domain, spec: spec)
      let history = try warmStartHistory(db, spec: spec)
      decisions = StrategyEngine(spec: spec).advance(trials: trials, history: history)
    }
    var changed = false
    var nextPosition =
      (try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT MIN(position) FROM shards WHERE sweep_id = ?"), arguments: [sweepID]) ?? 0)
      - Int64(decisions.count)
    for decision in decisions {
      switch decision {
      case .enqueue(let domain, let values, let stage, let origin):
        let next = try Row.fetchOne(
          db.cachedStatement(
            sql: """
              SELECT (SELECT COALESCE(MAX(idx), -1) + 1 FROM trials WHERE sweep_id = ?1 AND domain = ?2) AS idx,
                (SELECT COALESCE(MAX(ordinal), -1) + 1 FROM shards WHERE sweep_id = ?1 AND domain = ?2) AS ordinal
              """), arguments: [sweepID, domain])
        let index: Int = next?["idx"] ?? 0
        let ordinal: Int = next?["ordinal"] ?? 0
        let trial = spec.makeTrial(domain: domain, index: index, values: values, stage: stage)
        try db.cachedStatement(
          sql: """
            INSERT OR IGNORE INTO trials(sweep_id, trial_id, domain, idx, shard_ordinal, params, argv, state, stage, origin)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """
        ).execute(arguments: [
          sweepID, trial.id, domain, index, ordinal, StoredJSON.encodeParams(trial.params),
          StoredJSON.encodeStrings(trial.argv), stage, origin.rawValue,
        ])
        guard db.changesCount > 0 else { continue }
        // New trials go to the front of the queue: a later stage or a transfer finishes what was begun.
        try db.cachedStatement(
          sql: "INSERT INTO shards(sweep_id, domain, ordinal, position, state) VALUES (?, ?, ?, ?, 'pending')"
        ).execute(arguments: [sweepID, domain, ordinal, nextPosition])
        nextPosition += 1
        changed = true
      case .release(let domain):
        try db.cachedStatement(
          sql: "UPDATE trials SET state = 'pending' WHERE sweep_id = ? AND domain = ? AND state = 'waiting'"
        ).execute(arguments: [sweepID, domain])
        try db.cachedStatement(
          sql: "UPDATE shards SET state = 'pending' WHERE sweep_id = ? AND domain = ? AND state = 'waiting'"
        ).execute(arguments: [sweepID, domain])
        changed = true
      }
    }
    let open = try Bool.fetchOne(
      db.cachedStatement(
        sql: "SELECT EXISTS (SELECT 1 FROM trials WHERE sweep_id = ? AND state IN ('pending', 'leased', 'waiting'))"),
      arguments: [sweepID])
    if open == false {
      try db.cachedStatement(
        sql: "UPDATE sweeps SET state = 'completed', finished_at = ? WHERE id = ? AND state = 'running'"
      ).execute(arguments: [now.milliseconds, sweepID])
    }
    return changed
  }

  /// Every trial of the sweep as the engine sees it.
  func strategyTrials(_ db: Database, sweepID: String, domain: String? = nil, spec: SweepSpec) throws
    -> [StrategyTrial]
  {
    let rows =
      try domain.map { domain in
        try Row.fetchAll(
          db.cachedStatement(
            sql: """
              SELECT trial_id, domain, params, stage, origin, state, objective, duration_ms FROM trials
              WHERE sweep_id = ? AND domain = ? ORDER BY idx
              """), arguments: [sweepID, domain])
      }
      ?? Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT trial_id, domain, params, stage, origin, state, objective, duration_ms FROM trials
            WHERE sweep_id = ? ORDER BY domain, idx
            """), arguments: [sweepID])
    return try rows.map { row in
      let duration: Int64? = row["duration_ms"]
      return StrategyTrial(
        id: row["trial_id"], domain: row["domain"], values: try Self.values(row["params"], spec: spec),
        stage: row["stage"], origin: TrialOrigin(rawValue: row["origin"]) ?? .sampled,
        state: TrialState(rawValue: row["state"]) ?? .pending, objective: row["objective"],
        seconds: duration.map { Double($0) / 1000 })
    }
  }

  /// Parameter values in the spec's order (a parameter missing from the stored trial takes the
  /// middle of its range, which only happens to warm-start data from a different space).
  static func values(_ text: String, spec: SweepSpec) throws -> [ParameterValue] {
    let stored = Dictionary(
      try StoredJSON.decodeParams(text).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    return spec.space.map { stored[$0.name] ?? $0.kind.value(atQuantile: 0.5) }
  }

  /// First-stage results of the sweeps named in `adaptive.warm_start`, on the same metric.
  func warmStartHistory(_ db: Database, spec: SweepSpec) throws -> [AdaptiveProposer.Observation] {
    guard let ids = spec.adaptive?.warmStart, !ids.isEmpty else { return [] }
    var observations: [AdaptiveProposer.Observation] = []
    for id in ids {
      guard
        let metric = try String.fetchOne(
          db.cachedStatement(sql: "SELECT objective_metric FROM sweeps WHERE id = ?"), arguments: [id]),
        metric == spec.objective.metric
      else { continue }
      for row in try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT domain, params, objective, duration_ms FROM trials
            WHERE sweep_id = ? AND stage = 0 AND state IN ('succeeded', 'pruned') AND objective IS NOT NULL
            """), arguments: [id])
      {
        let duration: Int64? = row["duration_ms"]
        observations.append(
          AdaptiveProposer.Observation(
            values: try Self.values(row["params"], spec: spec), domain: row["domain"], objective: row["objective"],
            seconds: duration.map { Double($0) / 1000 }))
      }
    }
    return observations
  }

  /// ASHA on one heartbeat's progress: records the metric at a newly reached rung and answers
  /// "cancel" for a trial it prunes (again on every later heartbeat until the trial stops).
  func earlyStoppingAction(_ db: Database, sweepID: String, progress: TrialProgress) throws
    -> LeaseAction?
  {
    guard let spec = try strategySpec(db, sweepID: sweepID), let settings = spec.earlyStopping else { return nil }
    guard
      let trial = try Row.fetchOne(
        db.cachedStatement(
          sql:
            "SELECT domain, params, stage, state, attempts, prune_reason FROM trials WHERE sweep_id = ? AND trial_id = ?"
        ), arguments: [sweepID, progress.trialId])
    else { return nil }
    guard (trial["state"] as String) == "leased", (trial["attempts"] as Int) == progress.attempt else { return nil }
    if let reason: String = trial["prune_reason"] {
      return LeaseAction(kind: .cancelTrial, trialId: progress.trialId, reason: reason)
    }
    guard let epoch = progress.epoch, let value = progress.metrics[settings.metric] else { return nil }
    let values = try Self.values(trial["params"], spec: spec)
    let maxEpochs = spec.space.firstIndex { $0.name == settings.epochsParameter }.flatMap { values[$0].numeric }
      .map { Int($0) }
    let asha = ASHA(settings)
    guard let rung = asha.rung(reachedAt: epoch, maxEpochs: maxEpochs) else { return nil }
    let domain: String = trial["domain"]
    let stage: Int = trial["stage"]
    try db.cachedStatement(
      sql: """
        INSERT OR IGNORE INTO rungs(sweep_id, trial_id, domain, stage, rung, epoch, value) VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [sweepID, progress.trialId, domain, stage, rung, epoch, value])
    // Judged once, when the rung is first reached, as ASHA does.
    guard db.changesCount > 0 else { return nil }
    let peers = try Double.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT value FROM rungs WHERE sweep_id = ? AND domain = ? AND stage = ? AND rung = ? AND trial_id != ?
          """), arguments: [sweepID, domain, stage, rung, progress.trialId])
    guard case .stop(let at, let rank, let count, let kept) = asha.decide(value: value, rung: rung, peers: peers) else {
      return nil
    }
    let reason =
      "pruned by ASHA at epoch \(at): \(settings.metric) \(value) ranks \(rank) of \(count), and only the best \(kept) go on"
    try db.cachedStatement(sql: "UPDATE trials SET prune_reason = ? WHERE sweep_id = ? AND trial_id = ?").execute(
      arguments: [reason, sweepID, progress.trialId])
    return LeaseAction(kind: .cancelTrial, trialId: progress.trialId, reason: reason)
  }
}
