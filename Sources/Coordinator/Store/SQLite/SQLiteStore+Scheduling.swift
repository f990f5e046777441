import GRDB
import Shared

/// The scheduling calls of the store: each runs one ``Scheduler`` step on a ``SQLiteStorage``
/// inside one transaction. Hot calls share transactions through ``GroupCommit``.
extension SQLiteStore {
  /// Runs `body` on the storage of a group-committed transaction.
  func schedule<T: Sendable>(_ body: @escaping @Sendable (inout SQLiteStorage) throws -> T) async throws -> T {
    try await committer.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      return try body(&storage)
    }
  }

  public func createSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) async throws -> SweepCreated {
    // A transaction of its own: a million-trial submit should not hold up the group's commits.
    try await pool.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      return try Scheduler.createSweep(&storage, id: id, spec: spec, specText: specText, now: now)
    }
  }

  public func extendSweep(id: String, request: ExtendSweepRequest, now: Timestamp) async throws -> SweepExtended {
    defer { strategySpecs.withLock { _ = $0.removeValue(forKey: id) } }  // whether it committed or not
    return try await pool.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      return try Scheduler.extendSweep(&storage, id: id, request: request, now: now)
    }
  }

  public func extensions(sweepID: String) async throws -> SweepExtensionList {
    try await pool.read { db in
      guard try Bool.fetchOne(db, sql: "SELECT 1 FROM sweeps WHERE id = ?", arguments: [sweepID]) != nil else {
        throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(sweepID)'")
      }
      return SweepExtensionList(
        extensions: try Self.extensionRecords(db, sweepID: sweepID).map {
          AppliedExtension($0.applied, result: $0.result)
        })
    }
  }

  public func cancelSweep(id: String, now: Timestamp) async throws -> SweepStatus {
    try await pool.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      try Scheduler.cancelSweep(&storage, id: id, now: now)
      guard let status = try Self.status(db, sweepID: id) else { throw StoreError.corrupt("sweep \(id) vanished") }
      return status
    }
  }

  public func resumeSweep(id: String) async throws -> SweepStatus {
    try await pool.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      try Scheduler.resumeSweep(&storage, id: id)
      guard let status = try Self.status(db, sweepID: id) else { throw StoreError.corrupt("sweep \(id) vanished") }
      return status
    }
  }

  public func registerWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp)
    async throws
  {
    try await schedule { try Scheduler.registerWorker(&$0, request, id: id, secretHash: secretHash, now: now) }
  }

  public func deregisterWorker(id: String, now: Timestamp) async throws {
    try await schedule { try Scheduler.deregisterWorker(&$0, id: id, now: now) }
  }

  public func pauseWorker(workerID: String, reason: PauseReason, now: Timestamp) async throws {
    try await schedule { try Scheduler.pauseWorker(&$0, id: workerID, reason: reason, now: now) }
  }

  public func grantLease(workerID: String, now: Timestamp, policy: LeasePolicy) async throws -> GrantOutcome {
    try await schedule { try Scheduler.grantLease(&$0, workerID: workerID, now: now, policy: policy) }
  }

  public func heartbeat(
    leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy
  ) async throws -> HeartbeatResponse {
    try await schedule {
      try Scheduler.heartbeat(&$0, leaseID: leaseID, workerID: workerID, request: request, now: now, policy: policy)
    }
  }

  public func release(leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp) async throws
    -> ReleaseResponse
  {
    try await schedule { try Scheduler.release(&$0, leaseID: leaseID, workerID: workerID, request: request, now: now) }
  }

  public func reap(now: Timestamp) async throws -> ReapSummary {
    try await schedule { try Scheduler.reap(&$0, now: now) }
  }

  public func outerBudget(now: Timestamp) async throws -> CoordinatorBudget {
    try await schedule { try Scheduler.outerBudgetStatus(&$0, now: now) }
  }

  public func setOuterBudget(_ request: SetCoordinatorBudget, now: Timestamp) async throws -> CoordinatorBudget {
    try await schedule { try Scheduler.setOuterBudget(&$0, request, now: now) }
  }

  public func createJoinToken(
    id: String, secretHash: [UInt8], label: String, lifetime: Duration, now: Timestamp
  ) async throws -> JoinTokenRecord {
    try await schedule {
      try Scheduler.createJoinToken(&$0, id: id, secretHash: secretHash, label: label, lifetime: lifetime, now: now)
    }
  }

  public func joinToken(id: String) async throws -> JoinTokenRecord? { try await schedule { try $0.joinToken(id: id) } }

  public func joinTokens() async throws -> [JoinTokenRecord] { try await schedule { try $0.joinTokens() } }

  public func revokeJoinToken(id: String, now: Timestamp) async throws -> JoinTokenRecord {
    try await schedule { try Scheduler.revokeJoinToken(&$0, id: id, now: now) }
  }

  public func closeSilentBills(now: Timestamp, policy: LeasePolicy) async throws -> Int {
    try await schedule { try Scheduler.closeSilentBills(&$0, now: now, policy: policy) }
  }

  public func excuseLeases(absentSince: Timestamp, now: Timestamp, policy: LeasePolicy) async throws -> Int {
    try await schedule { try Scheduler.excuseLeases(&$0, absentSince: absentSince, now: now, policy: policy) }
  }

  public func excuseLease(id: String, until: Timestamp) async throws {
    try await schedule { try Scheduler.excuseLease(&$0, id: id, until: until) }
  }

  public func report(trialID: String, workerID: String, report: ResultReport, now: Timestamp) async throws -> ResultAck
  {
    try await schedule { try Scheduler.report(&$0, trialID: trialID, workerID: workerID, report: report, now: now) }
  }

  /// Every report in one transaction of the group commit, each in its own savepoint: a refused
  /// report (a ``StoreError``) rolls back only itself; a database failure fails the whole batch,
  /// so that nothing is acknowledged that was not committed.
  public func reportBatch(_ results: [BatchedResult], workerID: String, now: Timestamp) async throws
    -> [Result<ResultAck, StoreError>]
  {
    try await committer.write { db in
      var storage = SQLiteStorage(db: db, store: self)
      return try results.map { item in
        do {
          var ack: ResultAck?
          try db.inSavepoint {
            ack = try Scheduler.report(
              &storage, trialID: item.trialId, workerID: workerID, report: item.report, now: now)
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
}
