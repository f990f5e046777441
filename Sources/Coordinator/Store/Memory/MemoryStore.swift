import Shared
import Synchronization

/// A ``SweepStore`` that keeps everything in memory, for the fleet simulator: a million trials
/// and ten thousand workers on virtual time in seconds, where SQLite needs a transaction per
/// decision. Its scheduling calls are the same ``Scheduler`` steps ``SQLiteStore`` runs, on a
/// ``MemoryState``; the storage conformance suite holds both storages to the same answers.
/// Nothing is durable.
public final class MemoryStore: SweepStore {
  private let state = Mutex(MemoryState())

  public init() {}

  private func locked<T: Sendable>(_ body: (inout MemoryState) throws -> T) throws -> T {
    try state.withLock { state in try body(&state) }
  }

  public func tokenHash(kind: String) async throws -> [UInt8]? { try locked { $0.tokens[kind] } }

  public func setTokenHash(kind: String, hash: [UInt8], now: Timestamp) async throws {
    try locked { $0.tokens[kind] = hash }
  }

  public func createSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) async throws -> SweepCreated {
    try locked { try Scheduler.createSweep(&$0, id: id, spec: spec, specText: specText, now: now) }
  }

  public func sweepStatus(id: String) async throws -> SweepStatus { try locked { try $0.status(id) } }

  public func specText(sweepID: String) async throws -> String { try locked { try $0.sweep(sweepID).specText } }

  public func listSweeps() async throws -> [SweepStatus] {
    try locked { state in try state.sweeps.map { sweep in try state.status(sweep.id) } }
  }

  public func extendSweep(id: String, request: ExtendSweepRequest, now: Timestamp) async throws -> SweepExtended {
    try locked { try Scheduler.extendSweep(&$0, id: id, request: request, now: now) }
  }

  public func extensions(sweepID: String) async throws -> SweepExtensionList {
    try locked { state in
      SweepExtensionList(
        extensions: try state.sweep(sweepID).extensionRecords.map { AppliedExtension($0.applied, result: $0.result) })
    }
  }

  public func cancelSweep(id: String, now: Timestamp) async throws -> SweepStatus {
    try locked { state in
      try Scheduler.cancelSweep(&state, id: id, now: now)
      return try state.status(id)
    }
  }

  public func artifacts(sweepID: String, domain: String?) async throws -> [ArtifactInfo] {
    try locked { try $0.artifactList(sweepID: sweepID, domain: domain) }
  }

  public func artifactTerms(sweepID: String, trialID: String, attempt: Int, workerID: String) async throws
    -> ArtifactTerms
  {
    try locked {
      try Scheduler.artifactTerms(&$0, sweepID: sweepID, trialID: trialID, attempt: attempt, workerID: workerID)
    }
  }

  public func recordArtifact(
    sweepID: String, trialID: String, attempt: Int, sha256: String, bytes: Int64, now: Timestamp
  ) async throws -> ArtifactRecorded {
    try locked {
      try Scheduler.recordArtifact(
        &$0, sweepID: sweepID, trialID: trialID, attempt: attempt, sha256: sha256, bytes: bytes, now: now)
    }
  }

  public func resumeSweep(id: String) async throws -> SweepStatus {
    try locked { state in
      try Scheduler.resumeSweep(&state, id: id)
      return try state.status(id)
    }
  }

  public func registerWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp)
    async throws
  {
    try locked { try Scheduler.registerWorker(&$0, request, id: id, secretHash: secretHash, now: now) }
  }

  public func worker(id: String) async throws -> WorkerRecord? {
    try locked { state in
      state.workerIndex[id].map { slot in
        var record = state.workers[slot].record
        record.state = state.presence[slot].state
        return record
      }
    }
  }

  public func deregisterWorker(id: String, now: Timestamp) async throws {
    try locked { try Scheduler.deregisterWorker(&$0, id: id, now: now) }
  }

  public func listWorkers() async throws -> [WorkerSummary] { try locked { $0.listWorkers() } }

  public func expectedTrialDuration(workerID: String) async throws -> Duration {
    try locked { state in
      LeasePolicy.expectedTrialDuration(
        estimate: .seconds(Int64(SweepSpec.defaultMinutesPerTrial * 60)),
        measured: (state.workerIndex[workerID].map { state.workers[$0].recentOverall } ?? []).map {
          .milliseconds($0)
        })
    }
  }

  public func pauseWorker(workerID: String, reason: PauseReason, now: Timestamp) async throws {
    try locked { try Scheduler.pauseWorker(&$0, id: workerID, reason: reason, now: now) }
  }

  public func grantLease(workerID: String, now: Timestamp, policy: LeasePolicy) async throws -> GrantOutcome {
    try locked { try Scheduler.grantLease(&$0, workerID: workerID, now: now, policy: policy) }
  }

  public func heartbeat(
    leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy
  ) async throws -> HeartbeatResponse {
    try locked {
      try Scheduler.heartbeat(&$0, leaseID: leaseID, workerID: workerID, request: request, now: now, policy: policy)
    }
  }

  public func report(trialID: String, workerID: String, report: ResultReport, now: Timestamp) async throws -> ResultAck
  {
    try locked { try Scheduler.report(&$0, trialID: trialID, workerID: workerID, report: report, now: now) }
  }

  /// Each report stands alone, as in SQLite's savepoints: the scheduler decides every refusal
  /// before it changes anything, so a refused report leaves no trace to roll back.
  public func reportBatch(_ results: [BatchedResult], workerID: String, now: Timestamp) async throws
    -> [Result<ResultAck, StoreError>]
  {
    try locked { state in
      try results.map { item in
        do {
          return .success(
            try Scheduler.report(&state, trialID: item.trialId, workerID: workerID, report: item.report, now: now))
        } catch let error as StoreError {
          return .failure(error)
        }
      }
    }
  }

  public func release(leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp) async throws
    -> ReleaseResponse
  {
    try locked { try Scheduler.release(&$0, leaseID: leaseID, workerID: workerID, request: request, now: now) }
  }

  public func reap(now: Timestamp) async throws -> ReapSummary { try locked { try Scheduler.reap(&$0, now: now) } }

  public func outerBudget(now: Timestamp) async throws -> CoordinatorBudget {
    try locked { try Scheduler.outerBudgetStatus(&$0, now: now) }
  }

  public func setOuterBudget(_ request: SetCoordinatorBudget, now: Timestamp) async throws -> CoordinatorBudget {
    try locked { try Scheduler.setOuterBudget(&$0, request, now: now) }
  }

  public func createJoinToken(
    id: String, secretHash: [UInt8], label: String, lifetime: Duration, now: Timestamp
  ) async throws -> JoinTokenRecord {
    try locked {
      try Scheduler.createJoinToken(&$0, id: id, secretHash: secretHash, label: label, lifetime: lifetime, now: now)
    }
  }

  public func joinToken(id: String) async throws -> JoinTokenRecord? { try locked { try $0.joinToken(id: id) } }

  public func joinTokens() async throws -> [JoinTokenRecord] { try locked { try $0.joinTokens() } }

  public func revokeJoinToken(id: String, now: Timestamp) async throws -> JoinTokenRecord {
    try locked { try Scheduler.revokeJoinToken(&$0, id: id, now: now) }
  }

  public func closeSilentBills(now: Timestamp, policy: LeasePolicy) async throws -> Int {
    try locked { try Scheduler.closeSilentBills(&$0, now: now, policy: policy) }
  }

  public func excuseLeases(absentSince: Timestamp, now: Timestamp, policy: LeasePolicy) async throws -> Int {
    try locked { try Scheduler.excuseLeases(&$0, absentSince: absentSince, now: now, policy: policy) }
  }

  public func excuseLease(id: String, until: Timestamp) async throws {
    try locked { try Scheduler.excuseLease(&$0, id: id, until: until) }
  }

  public func exportResults(_ query: ResultQuery, after cursor: ResultCursor?, limit: Int) async throws -> ResultPage {
    try locked { try $0.exportResults(query, after: cursor, limit: limit) }
  }

  public func resultColumns(sweepID: String) async throws -> (params: [String], metrics: [String]) {
    try locked { try $0.resultColumns(sweepID: sweepID) }
  }

  public func gauges() async throws -> StoreGauges { try locked { $0.gauges() } }

  /// Trials of a sweep, and the cost of its attempts that ended `outcome` (for the simulator's report).
  public func trialCount(sweepID: String) throws -> Int { try locked { try $0.sweep(sweepID).trials.count } }
  public func openTrials(sweepID: String) throws -> Int {
    try locked { state in
      guard let index = state.sweepIndex[sweepID] else {
        throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(sweepID)'")
      }
      return state.sweeps[index].open
    }
  }
  /// Every trial of a sweep as the strategy engine sees it, in the order the trials were added.
  public func strategyTrials(sweepID: String) throws -> [StrategyTrial] {
    try locked { state in
      let sweep = try state.sweep(sweepID)
      return sweep.trials.map { trial in
        StrategyTrial(
          id: trial.id, domain: sweep.spec.domains[trial.domain], values: sweep.spec.values(of: trial.params),
          stage: trial.stage, origin: trial.origin, state: trial.state, objective: trial.objective,
          seconds: trial.durationMs.map { Double($0) / 1000 })
      }
    }
  }

  public func attemptCost(sweepID: String, outcome: AttemptOutcome) throws -> MicroDollars {
    try locked { try $0.attemptCost(sweepID: sweepID, outcome: outcome) }
  }
}
