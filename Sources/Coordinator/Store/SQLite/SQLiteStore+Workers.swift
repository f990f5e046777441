import Foundation
import GRDB
import Shared

extension SQLiteStore {
  public func worker(id: String) async throws -> WorkerRecord? {
    try await pool.read { db in try Self.workerRecord(db, id: id) }
  }

  static func workerRecord(_ db: Database, id: String) throws -> WorkerRecord? {
    guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM workers WHERE id = ?"), arguments: [id])
    else { return nil }
    return WorkerRecord(
      id: row["id"], name: row["name"], provider: Provider(rawValue: row["provider"]) ?? .other,
      hourlyRate: HourlyRate(microDollarsPerHour: row["rate"]), gpu: row["gpu"], slots: row["slots"],
      labels: try StoredJSON.decodeLabels(row["labels"]), secretHash: [UInt8](row["secret_hash"] as Data),
      state: try SQLiteStorage.decode(WorkerState.self, row["state"]))
  }

  public func listWorkers() async throws -> [WorkerSummary] {
    try await pool.read { db in
      var leasesByWorker: [String: [String]] = [:]
      for row in try Row.fetchAll(
        db.cachedStatement(sql: "SELECT id, worker_id FROM leases WHERE state = ? ORDER BY granted_at"),
        arguments: [LeaseState.active.rawValue])
      {
        leasesByWorker[row["worker_id"], default: []].append(row["id"])
      }
      return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM workers ORDER BY registered_at, id")).map { row in
        WorkerSummary(
          id: row["id"], name: row["name"], provider: Provider(rawValue: row["provider"]) ?? .other,
          hourlyCostUsd: DollarAmount(MicroDollars(row["rate"])), gpu: row["gpu"], slots: row["slots"],
          labels: try StoredJSON.decodeLabels(row["labels"]),
          state: try SQLiteStorage.decode(WorkerState.self, row["state"]),
          currentLeases: leasesByWorker[row["id"]] ?? [], trialsDone: row["trials_done"],
          spentUsd: DollarAmount(MicroDollars(row["spent"])),
          lastSeen: Timestamp(milliseconds: row["last_seen"]).iso8601,
          registeredAt: Timestamp(milliseconds: row["registered_at"]).iso8601,
          paused: (row["paused"] as String?).flatMap(PauseReason.init(rawValue:)),
          billing: (row["rate"] as Int64) == 0
            ? nil
            : WorkerBilling(
              bill: WorkerBill(
                from: Timestamp(milliseconds: (row["billed_from"] as Int64?) ?? row["registered_at"]),
                until: Timestamp(milliseconds: (row["billed_until"] as Int64?) ?? row["last_seen"]),
                idleSlotTime: .milliseconds(row["idle_slot_ms"] as Int64),
                idleCharged: MicroDollars(row["idle_charged"])),
              slots: row["slots"], spent: MicroDollars(row["spent"]), unbudgeted: MicroDollars(row["unbudgeted_idle"]),
              idleSweepID: row["hold_sweep_id"], idleHeld: MicroDollars(row["hold_held"]),
              maxIdle: (row["max_idle_ms"] as Int64?).map { .milliseconds($0) }),
          subscription: SubscriptionStatus(
            fee: row["sub_fee"], periodMs: row["sub_period_ms"], paidUntil: row["sub_paid_until"],
            charged: row["sub_charged"]))
      }
    }
  }

  public func expectedTrialDuration(workerID: String) async throws -> Duration {
    try await pool.read { db in
      let measured = try Int64.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT duration_ms FROM results WHERE worker_id = ? AND completed = 1 AND duration_ms IS NOT NULL
            ORDER BY reported_at DESC LIMIT 20
            """), arguments: [workerID])
      return LeasePolicy.expectedTrialDuration(
        estimate: .seconds(Int64(SweepSpec.defaultMinutesPerTrial * 60)), measured: measured.map { .milliseconds($0) })
    }
  }

  /// A worker's last completed durations in one sweep (at most 20), from its results.
  static func recentDurations(_ db: Database, workerID: String, sweepID: String) throws -> [Duration] {
    try Int64.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT duration_ms FROM results
          WHERE sweep_id = ? AND worker_id = ? AND completed = 1 AND duration_ms IS NOT NULL
          ORDER BY reported_at DESC LIMIT 20
          """), arguments: [sweepID, workerID]
    ).reversed().map { .milliseconds($0) }
  }

  public func gauges() async throws -> StoreGauges {
    try await pool.read { db in
      StoreGauges(
        activeWorkers: try Int.fetchOne(
          db.cachedStatement(sql: "SELECT COUNT(*) FROM workers WHERE state = ?"),
          arguments: [WorkerState.active.rawValue]) ?? 0,
        activeLeases: try Int.fetchOne(
          db.cachedStatement(sql: "SELECT COUNT(*) FROM leases WHERE state = ?"),
          arguments: [LeaseState.active.rawValue]
        ) ?? 0,
        spent: MicroDollars(
          try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(spent), 0) FROM sweeps")) ?? 0),
        reserved: MicroDollars(
          (try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE state = ?"),
            arguments: [LeaseState.active.rawValue]) ?? 0)
            + (try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(hold_held), 0) FROM workers")) ?? 0)),
        pendingTrials: try Int.fetchOne(
          db.cachedStatement(sql: "SELECT COUNT(*) FROM trials WHERE state = ?"),
          arguments: [TrialState.pending.rawValue]
        ) ?? 0)
    }
  }
}
