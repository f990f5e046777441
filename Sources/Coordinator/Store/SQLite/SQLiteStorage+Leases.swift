import Foundation
import GRDB
import Shared

extension SQLiteStorage {
  func insertLease(_ lease: NewLease<String, ShardKey, String>) throws -> (ref: String, id: String) {
    let id = RandomID.make("ls-")
    try db.cachedStatement(
      sql: """
        INSERT INTO leases(id, sweep_id, domain, shard_ordinal, worker_id, fencing, state, granted_at, expires_at,
          paid_until, slot_rate, expected_ms, reservation_id, held, tail_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      id, lease.sweepID, lease.shard.domain, lease.shard.ordinal, lease.workerID, lease.fencing,
      LeaseState.active.rawValue, lease.grantedAt.milliseconds, lease.expiresAt.milliseconds,
      lease.paidUntil?.milliseconds, lease.slotRate.microDollarsPerHour, lease.expected.wholeMilliseconds,
      lease.reservation.map { Int64($0.id) }, lease.reservation?.amount.value ?? 0, lease.tail?.wholeMilliseconds,
    ])
    return (id, id)
  }

  func lease(id: String) throws -> LeaseRow? { try LeaseRow.fetch(db, id: id) }

  func lease(_ ref: String) throws -> LeaseRow {
    guard let lease = try LeaseRow.fetch(db, id: ref) else { throw StoreError.corrupt("no lease \(ref)") }
    return lease
  }

  func dueLeases(now: Timestamp) throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(sql: "SELECT id FROM leases WHERE state = ? AND expires_at <= ? ORDER BY expires_at"),
      arguments: [LeaseState.active.rawValue, now.milliseconds])
  }

  func activeLeases(_ worker: String) throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(sql: "SELECT id FROM leases WHERE worker_id = ? AND state = ?"),
      arguments: [worker, LeaseState.active.rawValue])
  }

  func runningAttempts(_ lease: String) throws -> [RunningAttempt<TrialKey>] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: "SELECT sweep_id, trial_id, attempt FROM attempts WHERE lease_id = ? AND state = ? ORDER BY trial_id"),
      arguments: [lease, AttemptOutcome.running.rawValue]
    ).map { row in RunningAttempt(trial: TrialKey(sweepID: row[0], trialID: row[1]), trialID: row[1], attempt: row[2]) }
  }

  func completedTrialsStillRunning(_ lease: String) throws -> [(trialID: String, completedAttempt: Int)] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT a.trial_id, t.completed_attempt FROM attempts a
          JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
          WHERE a.lease_id = ? AND a.state = ? AND t.state = ?
          """), arguments: [lease, AttemptOutcome.running.rawValue, TrialState.succeeded.rawValue]
    ).map { row in (row[0], (row[1] as Int?) ?? 0) }
  }

  func renewLease(_ lease: String, expiresAt: Timestamp, paidUntil: Timestamp?, held: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE leases SET expires_at = ?, paid_until = ?, held = ? WHERE id = ?").execute(
      arguments: [expiresAt.milliseconds, paidUntil?.milliseconds, held.value, lease])
  }

  func activeLeases() throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(sql: "SELECT id FROM leases WHERE state = ? ORDER BY expires_at"),
      arguments: [LeaseState.active.rawValue])
  }

  func excuseLease(_ lease: String, expiresAt: Timestamp, until: Timestamp) throws {
    try db.cachedStatement(sql: "UPDATE leases SET expires_at = ?, excused_until = ? WHERE id = ?").execute(
      arguments: [expiresAt.milliseconds, until.milliseconds, lease])
  }

  func setLeaseCharge(_ lease: String, charged: MicroDollars, held: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE leases SET charged = ?, held = ? WHERE id = ?").execute(arguments: [
      charged.value, held.value, lease,
    ])
  }

  func closeLease(_ lease: String, _ end: LeaseEnd, at time: Timestamp) throws {
    try db.cachedStatement(sql: "UPDATE leases SET state = ?, end_reason = ?, held = 0, closed_at = ? WHERE id = ?")
      .execute(arguments: [LeaseState(end).rawValue, end.rawValue, time.milliseconds, lease])
  }

  func recordProgress(_ lease: String, _ progress: TrialProgress, now: Timestamp) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO progress(sweep_id, trial_id, attempt, epoch, step, metrics, updated_at)
        SELECT sweep_id, ?, ?, ?, ?, ?, ? FROM leases WHERE id = ?
        ON CONFLICT(sweep_id, trial_id, attempt) DO UPDATE SET epoch = excluded.epoch, step = excluded.step,
          metrics = excluded.metrics, updated_at = excluded.updated_at
        """
    ).execute(arguments: [
      progress.trialId, progress.attempt, progress.epoch, progress.step, StoredJSON.encodeMetrics(progress.metrics),
      now.milliseconds, lease,
    ])
    try db.cachedStatement(
      sql: """
        INSERT INTO progress_history(sweep_id, trial_id, attempt, at, epoch, step, metrics)
        SELECT sweep_id, ?, ?, ?, ?, ?, ? FROM leases WHERE id = ?
        """
    ).execute(arguments: [
      progress.trialId, progress.attempt, now.milliseconds, progress.epoch, progress.step,
      StoredJSON.encodeMetrics(progress.metrics), lease,
    ])
  }

  // MARK: Workers

  func insertWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO workers(id, name, provider, rate, gpu, slots, labels, secret_hash, state, registered_at, last_seen,
          max_idle_ms, billed_from, billed_until, sub_fee, sub_period_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    ).execute(arguments: [
      id, request.name, request.provider.rawValue, request.hourlyCostUsd.micros.value, request.gpu, request.slots,
      StoredJSON.encodeLabels(request.labels ?? [:]), Data(secretHash), WorkerState.active.rawValue, now.milliseconds,
      now.milliseconds, request.maxIdle?.wholeMilliseconds, request.billingStart(now: now).milliseconds,
      request.billingStart(now: now).milliseconds, request.subscription?.feeUsd.micros.value,
      request.subscription?.periodLength?.wholeMilliseconds,
    ])
  }

  func workerSubscription(_ worker: String) throws -> WorkerSubscription? {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT sub_fee, sub_period_ms, sub_paid_until FROM workers WHERE id = ?"),
        arguments: [worker]), let fee: Int64 = row[0], let period: Int64 = row[1]
    else { return nil }
    return WorkerSubscription(
      fee: MicroDollars(fee), period: .milliseconds(period),
      paidUntil: (row[2] as Int64?).map(Timestamp.init(milliseconds:)))
  }

  func setSubscriptionPaid(_ worker: String, until: Timestamp, fee: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE workers SET sub_paid_until = ?, sub_charged = sub_charged + ? WHERE id = ?")
      .execute(arguments: [until.milliseconds, fee.value, worker])
  }

  func workerAccount(_ worker: String) throws -> WorkerAccount<String> {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(
          sql: """
            SELECT rate, slots, max_idle_ms, last_seen, billed_from, billed_until, idle_slot_ms, idle_charged,
              unbudgeted_idle, hold_sweep_id, hold_reservation, hold_held
            FROM workers WHERE id = ?
            """), arguments: [worker])
    else { throw StoreError.corrupt("no worker \(worker)") }
    let lastSeen = Timestamp(milliseconds: row["last_seen"])
    let from = Timestamp(milliseconds: (row["billed_from"] as Int64?) ?? lastSeen.milliseconds)
    var hold: IdleHold<String>? = nil
    if let sweep: String = row["hold_sweep_id"], let reservation: Int64 = row["hold_reservation"] {
      hold = IdleHold(
        sweep: sweep, reservation: Reservation(id: UInt64(reservation), amount: MicroDollars(row["hold_held"])))
    }
    return WorkerAccount(
      hourlyRate: HourlyRate(microDollarsPerHour: row["rate"]), slots: row["slots"],
      maxIdle: (row["max_idle_ms"] as Int64?).map { .milliseconds($0) }, lastSeen: lastSeen,
      bill: WorkerBill(
        from: from, until: (row["billed_until"] as Int64?).map(Timestamp.init(milliseconds:)) ?? from,
        idleSlotTime: .milliseconds(row["idle_slot_ms"] as Int64), idleCharged: MicroDollars(row["idle_charged"])),
      unbudgeted: MicroDollars(row["unbudgeted_idle"]), hold: hold)
  }

  func setWorkerAccount(_ worker: String, _ account: WorkerAccount<String>) throws {
    try db.cachedStatement(
      sql: """
        UPDATE workers SET billed_until = ?, idle_slot_ms = ?, idle_charged = ?, unbudgeted_idle = ?,
          hold_sweep_id = ?, hold_reservation = ?, hold_held = ?
        WHERE id = ?
        """
    ).execute(arguments: [
      account.bill.until.milliseconds, account.bill.idleSlotTime.wholeMilliseconds, account.bill.idleCharged.value,
      account.unbudgeted.value, account.hold?.sweep, account.hold.map { Int64($0.reservation.id) },
      account.hold?.reservation.amount.value ?? 0, worker,
    ])
  }

  func busySpans(_ worker: String, since: Timestamp, now: Timestamp) throws -> [WorkerBill.Busy] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT granted_at, closed_at, paid_until, expires_at FROM leases
          WHERE worker_id = ? AND (closed_at IS NULL OR closed_at > ?)
          """), arguments: [worker, since.milliseconds]
    ).map { row in
      WorkerBill.Busy(
        grantedAt: Timestamp(milliseconds: row[0]), closedAt: (row[1] as Int64?).map(Timestamp.init(milliseconds:)),
        paidUntil: (row[2] as Int64?).map(Timestamp.init(milliseconds:)), now: now,
        expiresAt: Timestamp(milliseconds: row[3]))
    }
  }

  func silentHoldingWorkers(now: Timestamp, ttl: Duration) throws -> [String] {
    try String.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT id FROM workers
          WHERE hold_sweep_id IS NOT NULL AND state != ? AND last_seen + COALESCE(max_idle_ms, ?) < ?
          """), arguments: [WorkerState.deregistered.rawValue, ttl.wholeMilliseconds, now.milliseconds])
  }

  func workerTerms(id: String) throws -> WorkerTerms<String>? {
    try Row.fetchOne(
      db.cachedStatement(sql: "SELECT state, slots, rate FROM workers WHERE id = ?"), arguments: [id]
    ).map { row in
      WorkerTerms(
        ref: id, state: try Self.decode(WorkerState.self, row[0]), slots: row[1],
        hourlyRate: HourlyRate(microDollarsPerHour: row[2]))
    }
  }

  func touchWorker(_ worker: String, now: Timestamp, paused: PauseReason?) throws {
    try db.cachedStatement(sql: "UPDATE workers SET last_seen = ?, state = ?, paused = ? WHERE id = ?").execute(
      arguments: [now.milliseconds, WorkerState.active.rawValue, paused?.rawValue, worker])
  }

  func setWorkerState(_ worker: String, _ state: WorkerState, lastSeen: Timestamp?) throws {
    try db.cachedStatement(sql: "UPDATE workers SET state = ?, last_seen = COALESCE(?, last_seen) WHERE id = ?")
      .execute(arguments: [state.rawValue, lastSeen?.milliseconds, worker])
  }

  func workerState(_ worker: String) throws -> WorkerState {
    guard
      let text = try String.fetchOne(
        db.cachedStatement(sql: "SELECT state FROM workers WHERE id = ?"), arguments: [worker])
    else { throw StoreError.corrupt("no worker \(worker)") }
    return try Self.decode(WorkerState.self, text)
  }

  func activeLeaseCount(_ worker: String) throws -> Int {
    try Int.fetchOne(
      db.cachedStatement(sql: "SELECT COUNT(*) FROM leases WHERE worker_id = ? AND state = ?"),
      arguments: [worker, LeaseState.active.rawValue]) ?? 0
  }

  func addWorkerSpend(_ worker: String, _ amount: MicroDollars) throws {
    try db.cachedStatement(sql: "UPDATE workers SET spent = spent + ? WHERE id = ?").execute(arguments: [
      amount.value, worker,
    ])
  }

  /// Durations are read back from the results rows, so there is nothing to remember here.
  func countCompletedTrial(_ worker: String, sweep: String, durationMs: Int64?) throws {
    try db.cachedStatement(sql: "UPDATE workers SET trials_done = trials_done + 1 WHERE id = ?").execute(
      arguments: [worker])
  }

  func recentDurations(_ worker: String, sweep: String) throws -> [Duration] {
    try SQLiteStore.recentDurations(db, workerID: worker, sweepID: sweep)
  }
}
