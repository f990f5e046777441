import Foundation
import GRDB
import Shared

/// ``SchedulerStorage`` on one SQLite transaction: each method is a statement or two, cached.
/// States are bound as parameters from their enums, so no state text is written in SQL.
struct SQLiteStorage: SchedulerStorage {
  typealias SweepRef = String
  typealias WorkerRef = String
  typealias Lease = LeaseRow

  /// A shard by its key columns.
  struct ShardKey: Hashable {
    var sweepID: String
    var domain: String
    var ordinal: Int
  }

  /// A trial by its key columns.
  struct TrialKey: Hashable {
    var sweepID: String
    var trialID: String
  }

  let db: Database
  let store: SQLiteStore

  static let openTrialStates: StatementArguments = [
    TrialState.pending.rawValue, TrialState.leased.rawValue, TrialState.waiting.rawValue,
  ]

  // MARK: Sweeps

  func insertSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) throws -> String {
    let seq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM sweeps") ?? 0) + 1
    try db.execute(
      sql: """
        INSERT INTO sweeps(id, seq, name, spec_text, state, budget, objective_metric, objective_goal, max_attempts,
          trial_timeout_ms, estimate_ms, domains, param_names, created_at, strategic, workdir, failure_watch,
          artifact_policy, trial_price)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        id, seq, spec.name, specText, SweepState.running.rawValue, spec.budget.value, spec.objective.metric,
        spec.objective.goal.rawValue, spec.maxAttempts, spec.trialTimeout?.wholeMilliseconds,
        spec.estimatedTrialDuration.wholeMilliseconds, StoredJSON.encodeStrings(spec.domains),
        StoredJSON.encodeStrings(spec.resultParameterNames), now.milliseconds, spec.hasStrategies, spec.workdir,
        try spec.failureGuard.map { try StoredJSON.encode($0.watch) }, try StoredJSON.encode(spec.artifacts),
        spec.trialPrice?.perTrialAmount?.value,
      ])
    if spec.hasStrategies { store.strategySpecs.withLock { $0[id] = .some(spec) } }
    return id
  }

  func sweep(id: String) throws -> String? {
    try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM sweeps WHERE id = ?"), arguments: [id])
  }

  func sweepsToGrant() throws -> [SweepTerms<String>] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT id, name, estimate_ms, trial_timeout_ms, objective_metric, max_attempts, workdir, artifact_policy,
            trial_price
          FROM sweeps
          WHERE state = ? AND EXISTS (SELECT 1 FROM shards s WHERE s.sweep_id = sweeps.id AND s.state = ?)
          ORDER BY seq
          """), arguments: [SweepState.running.rawValue, ShardState.pending.rawValue]
    ).map { row in
      SweepTerms(
        ref: row[0], id: row[0], name: row[1], estimate: .milliseconds(row[2] as Int64),
        trialTimeout: (row[3] as Int64?).map { .milliseconds($0) }, objectiveMetric: row[4], maxAttempts: row[5],
        workdir: row[6],
        artifacts: try (row[7] as String?).map { try StoredJSON.decode(ArtifactPolicy.self, $0) } ?? .default,
        trialPrice: (row[8] as Int64?).map(MicroDollars.init))
    }
  }

  func sweepState(_ sweep: String) throws -> SweepState {
    guard
      let text = try String.fetchOne(
        db.cachedStatement(sql: "SELECT state FROM sweeps WHERE id = ?"), arguments: [sweep])
    else { throw StoreError.corrupt("no sweep \(sweep)") }
    return try Self.decode(SweepState.self, text)
  }

  func setSweepState(_ sweep: String, _ state: SweepState, finishedAt: Timestamp) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET state = ?, finished_at = ? WHERE id = ?").execute(arguments: [
      state.rawValue, finishedAt.milliseconds, sweep,
    ])
  }

  func latestSweepState() throws -> SweepState? {
    try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM sweeps ORDER BY seq DESC LIMIT 1")).map {
      try Self.decode(SweepState.self, $0)
    }
  }

  func failureWatch(_ sweep: String) throws -> FailureWatch? {
    try String.fetchOne(
      db.cachedStatement(sql: "SELECT failure_watch FROM sweeps WHERE id = ?"), arguments: [sweep]
    ).map { try StoredJSON.decode(FailureWatch.self, $0) }
  }

  func setFailureWatch(_ sweep: String, _ watch: FailureWatch) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET failure_watch = ? WHERE id = ?").execute(arguments: [
      try StoredJSON.encode(watch), sweep,
    ])
  }

  func setSweepPause(_ sweep: String, reason: String?) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET state = ?, paused_reason = ? WHERE id = ?").execute(arguments: [
      (reason == nil ? SweepState.running : .paused).rawValue, reason, sweep,
    ])
  }

  func hasOpenTrials(_ sweep: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM trials WHERE sweep_id = ? AND state IN (?, ?, ?))"),
      arguments: [sweep] + Self.openTrialStates) ?? false
  }

  func strategySpec(_ sweep: String) throws -> SweepSpec? { try store.strategySpec(db, sweepID: sweep) }

  /// Loads the ledger from the sweep's row and its active leases, and writes back what changed.
  func changeLedger<T>(_ sweep: String, _ change: (inout Ledger) throws(LedgerError) -> T) throws -> T {
    var stored = try StoredLedger.load(db, sweepID: sweep)
    var reader = self  // a view of the same transaction: the outer limit only reads
    stored.ledger.outerLimit = try reader.outerLimit(sweep)
    let before = stored.ledger
    let result: T
    do {
      result = try change(&stored.ledger)
    } catch {
      throw StoreError.corrupt("ledger of \(sweep): \(error)")
    }
    if stored.ledger.spent != before.spent || stored.ledger.nextReservationID != before.nextReservationID {
      try stored.save(db)
    }
    return result
  }

  func addIdleSpend(_ sweep: String, _ amount: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET idle_spent = idle_spent + ? WHERE id = ?").execute(arguments: [
      amount.value, sweep,
    ])
  }

  func addTrialSpend(_ sweep: String, _ amount: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET trial_spent = trial_spent + ? WHERE id = ?").execute(arguments: [
      amount.value, sweep,
    ])
  }

  func trialPrice(_ sweep: String) throws -> MicroDollars? {
    try Int64.fetchOne(db.cachedStatement(sql: "SELECT trial_price FROM sweeps WHERE id = ?"), arguments: [sweep])
      .map(MicroDollars.init)
  }

  func outerBudget() throws -> OuterBudget? {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT budget, period, period_start FROM coordinator_budget WHERE id = 1")),
      let budget: Int64 = row[0]
    else { return nil }
    return OuterBudget(
      budget: MicroDollars(budget), period: try Self.decode(OuterBudget.Period.self, row[1]),
      periodStart: Timestamp(milliseconds: row[2]))
  }

  func setOuterBudget(_ budget: OuterBudget?) throws {
    try db.execute(
      sql: """
        INSERT INTO coordinator_budget(id, budget, period, period_start) VALUES (1, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET budget = excluded.budget, period = excluded.period,
          period_start = excluded.period_start
        """,
      arguments: [
        budget?.budget.value, (budget?.period ?? .total).rawValue, budget?.periodStart.milliseconds ?? 0,
      ])
  }

  func joinToken(id: String) throws -> JoinTokenRecord? {
    try Row.fetchOne(
      db.cachedStatement(
        sql: "SELECT id, secret_hash, label, created_at, expires_at, revoked_at FROM join_tokens WHERE id = ?"),
      arguments: [id]
    ).map(Self.joinToken)
  }

  func joinTokens() throws -> [JoinTokenRecord] {
    try Row.fetchAll(
      db.cachedStatement(
        sql:
          "SELECT id, secret_hash, label, created_at, expires_at, revoked_at FROM join_tokens ORDER BY created_at, id")
    ).map(Self.joinToken)
  }

  static func joinToken(_ row: Row) -> JoinTokenRecord {
    JoinTokenRecord(
      id: row[0], secretHash: [UInt8]((row[1] as Data?) ?? Data()), label: row[2],
      createdAt: Timestamp(milliseconds: row[3]), expiresAt: Timestamp(milliseconds: row[4]),
      revokedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)))
  }

  func insertJoinToken(_ token: JoinTokenRecord) throws {
    try db.execute(
      sql: "INSERT INTO join_tokens(id, secret_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      arguments: [
        token.id, Data(token.secretHash), token.label, token.createdAt.milliseconds, token.expiresAt.milliseconds,
      ])
  }

  func setJoinTokenRevoked(id: String, at: Timestamp) throws {
    try db.execute(sql: "UPDATE join_tokens SET revoked_at = ? WHERE id = ?", arguments: [at.milliseconds, id])
  }

  func startOuterPeriod(at start: Timestamp, countingAll: Bool) throws {
    try db.execute(sql: "UPDATE coordinator_budget SET period_start = ? WHERE id = 1", arguments: [start.milliseconds])
    try db.execute(sql: countingAll ? "UPDATE sweeps SET period_base = 0" : "UPDATE sweeps SET period_base = spent")
  }

  func outerUsage(excluding sweep: String?) throws -> MicroDollars {
    let other = sweep ?? ""
    let spent =
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT COALESCE(SUM(spent - period_base), 0) FROM sweeps WHERE id != ?"),
        arguments: [other]) ?? 0
    let leases =
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE state = ? AND sweep_id != ?"),
        arguments: [LeaseState.active.rawValue, other]) ?? 0
    let idle =
      try Int64.fetchOne(
        db.cachedStatement(
          sql: "SELECT COALESCE(SUM(hold_held), 0) FROM workers WHERE hold_sweep_id IS NOT NULL AND hold_sweep_id != ?"),
        arguments: [other]) ?? 0
    return MicroDollars(spent + leases + idle)
  }

  func outerReserved() throws -> MicroDollars {
    let leases =
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE state = ?"),
        arguments: [LeaseState.active.rawValue]) ?? 0
    let idle = try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(hold_held), 0) FROM workers")) ?? 0
    return MicroDollars(leases + idle)
  }

  func periodBase(_ sweep: String) throws -> MicroDollars {
    MicroDollars(
      try Int64.fetchOne(
        db.cachedStatement(sql: "SELECT period_base FROM sweeps WHERE id = ?"), arguments: [sweep]) ?? 0)
  }

  func addFeeSpend(_ sweep: String, _ amount: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET fee_spent = fee_spent + ? WHERE id = ?").execute(arguments: [
      amount.value, sweep,
    ])
  }

  func cancelOpenRows(_ sweep: String) throws {
    try db.execute(
      sql: "UPDATE trials SET state = ? WHERE sweep_id = ? AND state IN (?, ?, ?)",
      arguments: [TrialState.cancelled.rawValue, sweep] + Self.openTrialStates)
    try db.execute(
      sql: "UPDATE shards SET state = ? WHERE sweep_id = ? AND state IN (?, ?)",
      arguments: [ShardState.done.rawValue, sweep, ShardState.pending.rawValue, ShardState.waiting.rawValue])
  }

  /// A state read back from its column; anything else is a corrupt row.
  static func decode<State: RawRepresentable<String>>(_ type: State.Type, _ text: String) throws -> State {
    guard let state = State(rawValue: text) else { throw StoreError.corrupt("\(State.self) '\(text)'") }
    return state
  }
}
