import Shared

/// A worker as the store knows it.
public struct WorkerRecord: Hashable, Sendable {
  public var id: String
  public var name: String
  public var provider: Provider
  public var hourlyRate: HourlyRate
  public var gpu: String?
  public var slots: Int
  public var labels: [String: String]
  public var secretHash: [UInt8]
  public var state: WorkerState

  public init(
    id: String, name: String, provider: Provider, hourlyRate: HourlyRate, gpu: String?, slots: Int,
    labels: [String: String], secretHash: [UInt8], state: WorkerState
  ) {
    self.id = id
    self.name = name
    self.provider = provider
    self.hourlyRate = hourlyRate
    self.gpu = gpu
    self.slots = slots
    self.labels = labels
    self.secretHash = secretHash
    self.state = state
  }
}

/// The outcome of asking for work.
public enum GrantOutcome: Hashable, Sendable {
  case granted(LeaseGrant)
  case noWork(NoWorkReason, String)
}

/// What one pass of the reaper did.
public struct ReapSummary: Hashable, Sendable {
  public var expiredLeases: Int
  public var requeuedTrials: Int
  public var failedTrials: Int
  public var lostWorkers: Int
  /// Sweeps whose strategies added or released trials after the expiries.
  public var strategyChanges = 0

  public init(expiredLeases: Int = 0, requeuedTrials: Int = 0, failedTrials: Int = 0, lostWorkers: Int = 0) {
    self.expiredLeases = expiredLeases
    self.requeuedTrials = requeuedTrials
    self.failedTrials = failedTrials
    self.lostWorkers = lostWorkers
  }
}

/// Which results to export.
/// Where an export stopped: the domain (by its position in the sweep) and the last trial index sent.
public struct ResultCursor: Hashable, Sendable {
  public var domainIndex: Int
  public var afterIndex: Int
  public init(domainIndex: Int, afterIndex: Int) {
    self.domainIndex = domainIndex
    self.afterIndex = afterIndex
  }
}

/// A page of an export, with the cursor of the next page (nil: that was the last).
public struct ResultPage: Sendable {
  public var records: [ResultRecord]
  public var next: ResultCursor?
  public init(records: [ResultRecord], next: ResultCursor?) {
    self.records = records
    self.next = next
  }
}

public struct ResultQuery: Hashable, Sendable {
  public var sweepID: String
  public var domain: String?
  /// Only the best completed trial of each domain.
  public var bestOnly: Bool

  public init(sweepID: String, domain: String? = nil, bestOnly: Bool = false) {
    self.sweepID = sweepID
    self.domain = domain
    self.bestOnly = bestOnly
  }
}

/// All coordinator state behind one protocol, so that the HTTP API does not know which database
/// holds it (SQLite today; PostgreSQL can follow). Every method is one transaction: a result is
/// committed before the call returns, so an acknowledged result is durable.
public protocol SweepStore: Sendable {
  /// Stored hash of a token kind (`admin`, `worker_join`), if any.
  func tokenHash(kind: String) async throws -> [UInt8]?
  func setTokenHash(kind: String, hash: [UInt8], now: Timestamp) async throws

  /// Samples a validated sweep and stores it with all its trials and shards, leasable at once.
  /// Trials are drawn and inserted one at a time: a million-trial sweep is never held in memory.
  func createSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) async throws -> SweepCreated
  func sweepStatus(id: String) async throws -> SweepStatus
  /// The spec text the sweep was submitted with.
  func specText(sweepID: String) async throws -> String
  func listSweeps() async throws -> [SweepStatus]
  func cancelSweep(id: String, now: Timestamp) async throws -> SweepStatus
  /// Grows a sweep (``Scheduler/extendSweep(_:id:request:now:)``); a completed one runs again.
  func extendSweep(id: String, request: ExtendSweepRequest, now: Timestamp) async throws -> SweepExtended
  /// The extensions applied to a sweep, in order.
  func extensions(sweepID: String) async throws -> SweepExtensionList
  /// Resumes a sweep that paused itself (``FailureGuard``).
  func resumeSweep(id: String) async throws -> SweepStatus

  /// The stored output folders of a sweep, best first per domain.
  func artifacts(sweepID: String, domain: String?) async throws -> [ArtifactInfo]
  /// Whether `workerID` may upload this attempt's output, and within which limits.
  func artifactTerms(sweepID: String, trialID: String, attempt: Int, workerID: String) async throws -> ArtifactTerms
  /// Records an uploaded archive and prunes by the sweep's policy.
  func recordArtifact(sweepID: String, trialID: String, attempt: Int, sha256: String, bytes: Int64, now: Timestamp)
    async throws -> ArtifactRecorded

  func registerWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp) async throws
  func worker(id: String) async throws -> WorkerRecord?
  /// Marks the worker deregistered and releases its active leases.
  func deregisterWorker(id: String, now: Timestamp) async throws
  func listWorkers() async throws -> [WorkerSummary]
  /// The expected duration of one trial on this worker, for placement.
  func expectedTrialDuration(workerID: String) async throws -> Duration

  /// Records that the worker takes no work for now, and why.
  func pauseWorker(workerID: String, reason: PauseReason, now: Timestamp) async throws
  /// Grants the next pending shard the worker may take (budget, slots, placement permitting).
  func grantLease(workerID: String, now: Timestamp, policy: LeasePolicy) async throws -> GrantOutcome
  func heartbeat(leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy)
    async throws -> HeartbeatResponse
  func report(trialID: String, workerID: String, report: ResultReport, now: Timestamp) async throws -> ResultAck
  /// Several reports of one worker, answered in order. Each stands alone: a refused report
  /// (``StoreError``) is its own failure and does not undo the others; any other error fails the
  /// call and nothing of it is acknowledged.
  func reportBatch(_ results: [BatchedResult], workerID: String, now: Timestamp) async throws
    -> [Result<ResultAck, StoreError>]
  func release(leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp) async throws
    -> ReleaseResponse
  /// Expires every lease whose time is up, re-queueing or failing its trials.
  func reap(now: Timestamp) async throws -> ReapSummary
  /// The coordinator's own budget across sweeps and what the sweeps committed under it.
  func outerBudget(now: Timestamp) async throws -> CoordinatorBudget
  /// Sets (or, without an amount, removes) it.
  func setOuterBudget(_ request: SetCoordinatorBudget, now: Timestamp) async throws -> CoordinatorBudget
  /// Mints a join token that expires after `lifetime` (60 s to 30 days).
  func createJoinToken(id: String, secretHash: [UInt8], label: String, lifetime: Duration, now: Timestamp)
    async throws -> JoinTokenRecord
  func joinToken(id: String) async throws -> JoinTokenRecord?
  func joinTokens() async throws -> [JoinTokenRecord]
  /// Revokes it (once; revoking again answers the same record).
  func revokeJoinToken(id: String, now: Timestamp) async throws -> JoinTokenRecord
  /// Ends the bills of paid workers silent past their promise (charged up to it, holds given
  /// back; see ``Scheduler/closeSilentBills(_:now:policy:)``). Returns how many.
  func closeSilentBills(now: Timestamp, policy: LeasePolicy) async throws -> Int
  /// After the coordinator's own absence (suspended from `absentSince` to `now`): re-arms every
  /// active lease that was alive when it went away, excused until heard from. Returns how many.
  func excuseLeases(absentSince: Timestamp, now: Timestamp, policy: LeasePolicy) async throws -> Int
  /// Excuses one lease's expiry until `until` (granted right after an absence).
  func excuseLease(id: String, until: Timestamp) async throws

  /// One page of result records (one per finished trial), in domain then trial order, starting
  /// after `cursor`. Pages are separate reads, so an export of a million rows holds one page at a time.
  func exportResults(_ query: ResultQuery, after cursor: ResultCursor?, limit: Int) async throws -> ResultPage
  /// Parameter names (spec order) and metric names (sorted) of a sweep's results, for CSV headers.
  func resultColumns(sweepID: String) async throws -> (params: [String], metrics: [String])

  /// Totals for `/metrics`.
  func gauges() async throws -> StoreGauges
}

/// Totals the metrics endpoint publishes.
public struct StoreGauges: Hashable, Sendable {
  public var activeWorkers: Int
  public var activeLeases: Int
  public var spent: MicroDollars
  public var reserved: MicroDollars
  public var pendingTrials: Int

  public init(activeWorkers: Int, activeLeases: Int, spent: MicroDollars, reserved: MicroDollars, pendingTrials: Int) {
    self.activeWorkers = activeWorkers
    self.activeLeases = activeLeases
    self.spent = spent
    self.reserved = reserved
    self.pendingTrials = pendingTrials
  }
}
