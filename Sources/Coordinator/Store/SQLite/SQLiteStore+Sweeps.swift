import Foundation
import GRDB
import Shared

extension SQLiteStore {
  public func sweepStatus(id: String) async throws -> SweepStatus {
    try await pool.read { db in
      guard let status = try Self.status(db, sweepID: id) else {
        throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(id)'; `sweep status` lists the sweeps")
      }
      return status
    }
  }

  public func specText(sweepID: String) async throws -> String {
    try await pool.read { db in
      guard let text = try String.fetchOne(db, sql: "SELECT spec_text FROM sweeps WHERE id = ?", arguments: [sweepID])
      else {
        throw StoreError.notFound(
          code: "sweep_not_found", message: "no sweep '\(sweepID)'; `sweep status` lists the sweeps")
      }
      return text
    }
  }

  public func listSweeps() async throws -> [SweepStatus] {
    try await pool.read { db in
      try String.fetchAll(db, sql: "SELECT id FROM sweeps ORDER BY seq").compactMap { try Self.status(db, sweepID: $0) }
    }
  }

  /// Savings of early stopping in one domain (see ``PruningSavings``).
  static func pruningSavings(_ db: Database, sweepID: String, domain: String) throws -> PruningSavings {
    var medians: [Int: Double] = [:]
    for stage in try Int.fetchAll(
      db, sql: "SELECT DISTINCT stage FROM trials WHERE sweep_id = ? AND domain = ? AND state = ?",
      arguments: [sweepID, domain, TrialState.pruned.rawValue])
    {
      let durations = try Int64.fetchAll(
        db,
        sql: """
          SELECT duration_ms FROM trials WHERE sweep_id = ? AND domain = ? AND stage = ? AND state = ?
            AND duration_ms IS NOT NULL
          """, arguments: [sweepID, domain, stage, TrialState.succeeded.rawValue])
      if !durations.isEmpty { medians[stage] = Statistics.quantile(durations.map(Double.init), 0.5) }
    }
    var savedSeconds = 0.0
    var savedMoney = MicroDollars.zero
    var count = 0
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT t.stage, COALESCE(t.duration_ms, a.ended_at - a.started_at) AS ms, l.slot_rate FROM trials t
        JOIN attempts a ON a.sweep_id = t.sweep_id AND a.trial_id = t.trial_id AND a.attempt = t.attempts
        JOIN leases l ON l.id = a.lease_id
        WHERE t.sweep_id = ? AND t.domain = ? AND t.state = ?
        """, arguments: [sweepID, domain, TrialState.pruned.rawValue])
    {
      count += 1
      guard let median = medians[row["stage"]], let ran = row["ms"] as Int64? else { continue }
      let saved = max(0, median - Double(ran))
      savedSeconds += saved / 1000
      let money = HourlyRate(microDollarsPerHour: row["slot_rate"]).cost(of: .milliseconds(Int64(saved)))
      savedMoney = savedMoney.adding(money) ?? savedMoney
    }
    return PruningSavings(
      pruned: count, savedSeconds: (savedSeconds * 1000).rounded() / 1000, savedUsd: DollarAmount(savedMoney))
  }

  static func status(_ db: Database, sweepID: String) throws -> SweepStatus? {
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT name, state, created_at, budget, spent, objective_metric, objective_goal, domains, paused_reason, idle_spent,
            fee_spent, trial_spent
          FROM sweeps WHERE id = ?
          """, arguments: [sweepID])
    else { return nil }
    let objective = Objective(
      metric: row["objective_metric"], goal: Objective.Goal(rawValue: row["objective_goal"]) ?? .maximize)
    let domains = try StoredJSON.decodeStrings(row["domains"])
    var counts: [String: TrialCounts] = [:]
    for countRow in try Row.fetchAll(
      db, sql: "SELECT domain, state, COUNT(*) AS n FROM trials WHERE sweep_id = ? GROUP BY domain, state",
      arguments: [sweepID])
    {
      let domain: String = countRow["domain"]
      let n: Int = countRow["n"]
      var domainCounts = counts[domain] ?? TrialCounts()
      switch TrialState(rawValue: countRow["state"]) {
      case .pending: domainCounts.pending += n
      case .leased: domainCounts.leased += n
      case .succeeded: domainCounts.succeeded += n
      case .failed: domainCounts.failed += n
      case .cancelled: domainCounts.cancelled += n
      case .waiting: domainCounts.waiting += n
      case .pruned: domainCounts.pruned += n
      case nil: throw StoreError.corrupt("trial state \(String(describing: countRow["state"]))")
      }
      counts[domain] = domainCounts
    }
    var spentByDomain: [String: Int64] = [:]
    for spendRow in try Row.fetchAll(
      db,
      sql: """
        SELECT t.domain AS domain, SUM(a.cost) AS cost FROM attempts a
        JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
        WHERE a.sweep_id = ? GROUP BY t.domain
        """, arguments: [sweepID])
    {
      spentByDomain[spendRow["domain"]] = spendRow["cost"]
    }
    let order = objective.goal == .maximize ? "DESC" : "ASC"
    var domainStatuses: [DomainStatus] = []
    var total = TrialCounts()
    for domain in domains {
      let domainCounts = counts[domain] ?? TrialCounts()
      total.pending += domainCounts.pending
      total.leased += domainCounts.leased
      total.succeeded += domainCounts.succeeded
      total.failed += domainCounts.failed
      total.cancelled += domainCounts.cancelled
      total.waiting += domainCounts.waiting
      total.pruned += domainCounts.pruned
      var best: BestTrial? = nil
      if let bestRow = try Row.fetchOne(
        db,
        sql: """
          SELECT trial_id, objective, params FROM trials
          WHERE sweep_id = ? AND domain = ? AND state = ? AND objective IS NOT NULL
          ORDER BY objective \(order), idx LIMIT 1
          """, arguments: [sweepID, domain, TrialState.succeeded.rawValue])
      {
        let params = try StoredJSON.decodeParams(bestRow["params"])
        best = BestTrial(
          trialId: bestRow["trial_id"], metric: objective.metric, value: bestRow["objective"],
          params: Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
      }
      var status = DomainStatus(
        domain: domain, counts: domainCounts, best: best,
        spentUsd: DollarAmount(MicroDollars(spentByDomain[domain] ?? 0)),
        pruning: domainCounts.pruned > 0 ? try pruningSavings(db, sweepID: sweepID, domain: domain) : nil)
      status.commonFailure = try commonFailure(db, sweepID: sweepID, domain: domain)
      domainStatuses.append(status)
    }
    let idleHeld =
      try Int64.fetchOne(
        db, sql: "SELECT COALESCE(SUM(hold_held), 0) FROM workers WHERE hold_sweep_id = ?", arguments: [sweepID]) ?? 0
    let reserved =
      try
      (Int64.fetchOne(
        db, sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE sweep_id = ? AND state = ?",
        arguments: [sweepID, LeaseState.active.rawValue]) ?? 0) + idleHeld
    let budget = MicroDollars(row["budget"])
    let spent = MicroDollars(row["spent"])
    let remaining = MicroDollars(max(0, budget.value - spent.value - reserved))
    var status = SweepStatus(
      id: sweepID, name: row["name"], state: try SQLiteStorage.decode(SweepState.self, row["state"]),
      createdAt: Timestamp(milliseconds: row["created_at"]).iso8601, budgetUsd: DollarAmount(budget),
      spentUsd: DollarAmount(spent), reservedUsd: DollarAmount(MicroDollars(reserved)),
      remainingUsd: DollarAmount(remaining), objective: objective, counts: total, domains: domainStatuses)
    status.pausedReason = row["paused_reason"]
    status.idleSpentUsd = DollarAmount(MicroDollars(row["idle_spent"]))
    status.feesSpentUsd = DollarAmount(MicroDollars(row["fee_spent"]))
    status.trialCostSpentUsd = DollarAmount(MicroDollars(row["trial_spent"]))
    status.idleHeldUsd = DollarAmount(MicroDollars(idleHeld))
    return status
  }

  /// The reason most failed attempts of a domain share (``DomainStatus/commonFailure``).
  static func commonFailure(_ db: Database, sweepID: String, domain: String) throws -> FailureCount? {
    try Row.fetchOne(
      db,
      sql: """
        SELECT a.reason, COUNT(*) AS n FROM attempts a
        JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
        WHERE a.sweep_id = ? AND t.domain = ? AND a.state IN (?, ?) AND a.reason IS NOT NULL
        GROUP BY a.reason ORDER BY n DESC, a.reason LIMIT 1
        """,
      arguments: [sweepID, domain, AttemptOutcome.failed.rawValue, AttemptOutcome.timedOut.rawValue]
    ).map { FailureCount(reason: $0["reason"], attempts: $0["n"]) }
  }
}
