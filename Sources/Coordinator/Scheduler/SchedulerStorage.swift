import Shared

/// The rows one ``Scheduler`` call reads and writes, inside one transaction of a store: plain
/// data access (find, insert, update), no decisions. ``SQLiteStorage`` implements it with SQL
/// on a transaction's connection; ``MemoryState`` over arrays for the simulator. Every decision
/// (who gets which shard, what a lease may spend, what a report does to a trial) is the
/// scheduler's, so both stores take it the same way.
///
/// The reference types let each storage name rows its own cheapest way: SQLite by key columns,
/// memory by position.
protocol SchedulerStorage {
  associatedtype SweepRef: Hashable
  associatedtype ShardRef
  associatedtype TrialRef
  associatedtype WorkerRef
  associatedtype Lease: ScheduledLease
  where
    Lease.SweepRef == SweepRef, Lease.ShardRef == ShardRef,
    Lease.WorkerRef == WorkerRef

  // MARK: Sweeps

  /// Inserts a running sweep (trials and shards follow). Throws if the id exists.
  mutating func insertSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) throws -> SweepRef
  mutating func sweep(id: String) throws -> SweepRef?
  /// Running sweeps that may have a pending shard, in submission order, with what a grant needs.
  mutating func sweepsToGrant() throws -> [SweepTerms<SweepRef>]
  mutating func sweepState(_ sweep: SweepRef) throws -> SweepState
  mutating func setSweepState(_ sweep: SweepRef, _ state: SweepState, finishedAt: Timestamp) throws
  /// The state of the sweep submitted last, if any.
  mutating func latestSweepState() throws -> SweepState?
  /// The sweep's failure guard as it runs (nil: `pause_on_failures: off`).
  mutating func failureWatch(_ sweep: SweepRef) throws -> FailureWatch?
  mutating func setFailureWatch(_ sweep: SweepRef, _ watch: FailureWatch) throws
  /// Pauses a running sweep with the reason (nil: resumes it, `running` again).
  mutating func setSweepPause(_ sweep: SweepRef, reason: String?) throws
  /// The shard a trial belongs to, and its state.
  mutating func trialShard(_ trial: TrialRef) throws -> (ref: ShardRef, state: ShardState)

  // MARK: Artifacts
  mutating func artifactPolicy(_ sweep: SweepRef) throws -> (policy: ArtifactPolicy, goal: Objective.Goal)
  mutating func insertArtifact(_ trial: TrialRef, attempt: Int, sha256: String, bytes: Int64, now: Timestamp) throws
  /// The archives on record in the trial's domain and stage, with their trials' objectives.
  mutating func artifactCandidates(_ trial: TrialRef) throws -> [StoredArtifact]
  mutating func deleteArtifact(_ sweep: SweepRef, trialID: String, attempt: Int) throws
  mutating func artifactReferenced(sha256: String) throws -> Bool
  /// Whether any trial is pending, leased or waiting.
  mutating func hasOpenTrials(_ sweep: SweepRef) throws -> Bool
  /// The spec of a sweep with strategies; `nil` for a plain sweep.
  mutating func strategySpec(_ sweep: SweepRef) throws -> SweepSpec?
  /// Runs `change` on the sweep's ledger in place and keeps what it did. A ``LedgerError`` is a
  /// broken invariant of stored money, never the caller's fault: it is thrown as corrupt.
  mutating func changeLedger<T>(_ sweep: SweepRef, _ change: (inout Ledger) throws(LedgerError) -> T) throws -> T
  /// Paid workers' idle time charged to this sweep (already in its ledger's `spent`).
  mutating func addIdleSpend(_ sweep: SweepRef, _ amount: MicroDollars) throws
  /// Subscription fees charged to this sweep (already in its ledger's `spent`).
  mutating func addFeeSpend(_ sweep: SweepRef, _ amount: MicroDollars) throws
  /// What priced trials cost in this sweep (already in its ledger's `spent`).
  mutating func addTrialSpend(_ sweep: SweepRef, _ amount: MicroDollars) throws
  /// The price each lease holds per trial when the sweep's trials are priced per job.
  mutating func trialPrice(_ sweep: SweepRef) throws -> MicroDollars?
  /// The coordinator's own budget across sweeps, if one is set.
  mutating func outerBudget() throws -> OuterBudget?
  mutating func setOuterBudget(_ budget: OuterBudget?) throws
  /// Minted join tokens (``JoinTokenRecord``), plain records.
  mutating func joinToken(id: String) throws -> JoinTokenRecord?
  mutating func joinTokens() throws -> [JoinTokenRecord]
  mutating func insertJoinToken(_ token: JoinTokenRecord) throws
  mutating func setJoinTokenRevoked(id: String, at: Timestamp) throws
  /// A new period of the outer budget begins at `start`: what each sweep spent so far becomes
  /// its period base (spent before the period, not counted in it) — or, for a total budget
  /// (`countingAll`), every base is zero: all spend counts.
  mutating func startOuterPeriod(at start: Timestamp, countingAll: Bool) throws
  /// What the sweeps (all, or all but `excluding`) committed in the period: spent since its
  /// start, plus every hold (leases and idle windows).
  mutating func outerUsage(excluding sweep: SweepRef?) throws -> MicroDollars
  /// What the sweep had spent when the period began.
  mutating func periodBase(_ sweep: SweepRef) throws -> MicroDollars
  /// Every hold of every sweep now (leases and idle windows).
  mutating func outerReserved() throws -> MicroDollars
  /// The spec the sweep runs by: as submitted, with its extensions applied in order.
  mutating func effectiveSpec(_ sweep: SweepRef) throws -> SweepSpec
  /// The extensions applied so far, in order.
  mutating func extensionRecords(_ sweep: SweepRef) throws -> [ExtensionRecord]
  /// Replaces the extension records (the effective spec follows them).
  mutating func setExtensionRecords(_ sweep: SweepRef, _ records: [ExtensionRecord]) throws
  /// Keeps what an extension changed beyond its trials: domains, budget, attempts per trial.
  mutating func storeGrownSpec(_ sweep: SweepRef, _ spec: SweepSpec) throws
  mutating func highestShardPosition(_ sweep: SweepRef) throws -> Int64
  /// A completed sweep runs again (an extension gave it trials).
  mutating func reopenSweep(_ sweep: SweepRef) throws
  /// Unfinished trials (pending, leased, waiting) become cancelled; pending and waiting shards done.
  mutating func cancelOpenRows(_ sweep: SweepRef) throws

  // MARK: Shards and trials

  /// Inserts a trial unless one with its id exists; returns whether it did.
  mutating func insertTrial(
    _ sweep: SweepRef, _ trial: Trial, shardOrdinal: Int, state: TrialState, stage: Int, origin: TrialOrigin
  ) throws -> Bool
  /// Inserts a shard of the trials inserted with its domain and ordinal.
  mutating func insertShard(_ sweep: SweepRef, domain: String, ordinal: Int, position: Int64, state: ShardState)
    throws
  /// The pending shard with the lowest position.
  mutating func nextPendingShard(_ sweep: SweepRef) throws -> (shard: ShardRef, fencing: Int64)?
  /// The shard's pending trials, in index order.
  mutating func pendingTrials(_ shard: ShardRef) throws -> [TrialToLease<TrialRef>]
  mutating func shardHasPendingTrials(_ shard: ShardRef) throws -> Bool
  mutating func setShardState(_ shard: ShardRef, _ state: ShardState) throws
  /// The shard is granted under a new fencing token.
  mutating func leaseShard(_ shard: ShardRef, fencing: Int64) throws
  /// The shard's pending and leased trials become cancelled.
  mutating func cancelShardTrials(_ shard: ShardRef) throws
  /// What the trial lifecycle needs of a trial.
  mutating func trialRow(_ trial: TrialRef) throws -> TrialRow
  /// A trial found by id, with what a report needs.
  mutating func trialForReport(sweepID: String, trialID: String) throws -> TrialForReport<SweepRef, TrialRef>?
  mutating func setTrialState(_ trial: TrialRef, _ state: TrialState, failures: Int) throws
  /// The trial succeeded with `attempt`'s result.
  mutating func completeTrial(_ trial: TrialRef, attempt: Int, objective: Double?, durationMs: Int64?) throws
  /// A pruned trial keeps the objective its last report gave (else the one it had), its time and its attempt.
  mutating func recordPrunedResult(_ trial: TrialRef, attempt: Int, objective: Double?, durationMs: Int64?) throws
  /// A pruned trial's objective until a report says better: its value at its last rung.
  mutating func takeObjectiveFromLastRung(_ trial: TrialRef) throws

  // MARK: Attempts and results

  /// Records attempt `attempt` of a pending trial as running in `lease`; the trial becomes leased.
  mutating func startAttempt(
    _ trial: TrialRef, attempt: Int, lease: Lease.Ref, leaseID: String, worker: WorkerRef, workerID: String,
    now: Timestamp) throws
  mutating func attempt(_ trial: TrialRef, _ number: Int) throws -> AttemptRow?
  /// Ends a running attempt and adds `cost` to it.
  mutating func endAttempt(
    _ trial: TrialRef, _ number: Int, outcome: AttemptOutcome, reason: String, at time: Timestamp,
    cost: MicroDollars) throws
  mutating func attemptCost(_ trial: TrialRef, _ number: Int) throws -> MicroDollars
  /// The answer given to an earlier report of this attempt.
  mutating func storedAck(_ trial: TrialRef, _ number: Int) throws -> ResultAck?
  mutating func insertResult(
    _ trial: TrialRef, _ number: Int, report: ResultReport, completed: Bool, workerID: String, now: Timestamp,
    ack: ResultAck) throws

  // MARK: Leases

  mutating func insertLease(_ lease: NewLease<SweepRef, ShardRef, WorkerRef>) throws -> (ref: Lease.Ref, id: String)
  mutating func lease(id: String) throws -> Lease?
  mutating func lease(_ ref: Lease.Ref) throws -> Lease
  /// Active leases whose expiry is at or before `now`, by expiry then grant order.
  mutating func dueLeases(now: Timestamp) throws -> [Lease.Ref]
  mutating func activeLeases(_ worker: WorkerRef) throws -> [Lease.Ref]
  /// The lease's running attempts, in trial-id order.
  mutating func runningAttempts(_ lease: Lease.Ref) throws -> [RunningAttempt<TrialRef>]
  /// Trials this lease still runs that another attempt has completed.
  mutating func completedTrialsStillRunning(_ lease: Lease.Ref) throws -> [(trialID: String, completedAttempt: Int)]
  /// Renews a lease after a heartbeat.
  mutating func renewLease(_ lease: Lease.Ref, expiresAt: Timestamp, paidUntil: Timestamp?, held: MicroDollars) throws
  /// Every active lease (rare: after the coordinator's own absence).
  mutating func activeLeases() throws -> [Lease.Ref]
  /// Gives a lease a new expiry after the coordinator's own absence, and excuses its expiry
  /// until `until` (see ``StoredLease/excusedUntil``).
  mutating func excuseLease(_ lease: Lease.Ref, expiresAt: Timestamp, until: Timestamp) throws
  mutating func setLeaseCharge(_ lease: Lease.Ref, charged: MicroDollars, held: MicroDollars) throws
  mutating func closeLease(_ lease: Lease.Ref, _ end: LeaseEnd, at time: Timestamp) throws
  /// The latest epoch, step and metrics a heartbeat gave for one of the lease's attempts.
  mutating func recordProgress(_ lease: Lease.Ref, _ progress: TrialProgress, now: Timestamp) throws

  // MARK: Workers

  mutating func insertWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp) throws
  mutating func workerTerms(id: String) throws -> WorkerTerms<WorkerRef>?
  /// Every call of a worker marks it seen and active, and records whether it said it is paused.
  mutating func touchWorker(_ worker: WorkerRef, now: Timestamp, paused: PauseReason?) throws
  mutating func setWorkerState(_ worker: WorkerRef, _ state: WorkerState, lastSeen: Timestamp?) throws
  mutating func workerState(_ worker: WorkerRef) throws -> WorkerState
  mutating func activeLeaseCount(_ worker: WorkerRef) throws -> Int
  mutating func addWorkerSpend(_ worker: WorkerRef, _ amount: MicroDollars) throws
  /// A trial the worker ran completed; `durationMs` joins its measured durations.
  mutating func countCompletedTrial(_ worker: WorkerRef, sweep: SweepRef, durationMs: Int64?) throws
  /// The worker's last measured durations in the sweep (at most 20, oldest first).
  mutating func recentDurations(_ worker: WorkerRef, sweep: SweepRef) throws -> [Duration]
  /// What billing a worker's whole life needs: its rate, slots, promise, bill and idle hold.
  mutating func workerAccount(_ worker: WorkerRef) throws -> WorkerAccount<SweepRef>
  mutating func setWorkerAccount(_ worker: WorkerRef, _ account: WorkerAccount<SweepRef>) throws
  /// The paid spans of the worker's leases that were open at or after `since` (see ``WorkerBill/Busy``).
  mutating func busySpans(_ worker: WorkerRef, since: Timestamp, now: Timestamp) throws -> [WorkerBill.Busy]
  /// A subscription worker's terms and paid period; nil for any other worker.
  mutating func workerSubscription(_ worker: WorkerRef) throws -> WorkerSubscription?
  /// Its period is paid up to `until`; `fee` was charged for it.
  mutating func setSubscriptionPaid(_ worker: WorkerRef, until: Timestamp, fee: MicroDollars) throws
  /// Paid, not deregistered workers holding idle time in a budget whose promised end
  /// (last call + their idle window, `ttl` for those without a promise) is before `now`.
  mutating func silentHoldingWorkers(now: Timestamp, ttl: Duration) throws -> [WorkerRef]

  // MARK: Strategies (only sweeps with strategies reach these)

  /// Every trial of the sweep (or of one domain) as the engine sees it, by domain then index.
  mutating func strategyTrials(_ sweep: SweepRef, domain: String?, spec: SweepSpec) throws -> [StrategyTrial]
  /// First-stage results of another sweep on the same metric, for warm starts.
  mutating func warmStartObservations(sweepID: String, spec: SweepSpec) throws -> [AdaptiveProposer.Observation]
  mutating func lowestShardPosition(_ sweep: SweepRef) throws -> Int64
  /// The next trial index and shard ordinal of a domain.
  mutating func nextTrialSlot(_ sweep: SweepRef, domain: String) throws -> (index: Int, ordinal: Int)
  /// Held trials and shards of a domain join the queue.
  mutating func releaseWaiting(_ sweep: SweepRef, domain: String) throws
  mutating func trialForEarlyStopping(_ sweep: SweepRef, trialID: String) throws -> TrialForEarlyStopping<TrialRef>?
  /// Records a trial's value at a rung unless it has one there; returns whether it did.
  mutating func insertRung(
    _ trial: TrialRef, trialID: String, domain: String, stage: Int, rung: Int, epoch: Double, value: Double
  ) throws
    -> Bool
  /// Values other trials of the same domain and stage had at the rung.
  mutating func rungPeers(_ sweep: SweepRef, domain: String, stage: Int, rung: Int, excluding trialID: String) throws
    -> [Double]
  mutating func setPruneReason(_ trial: TrialRef, _ reason: String) throws
}

extension SchedulerStorage {
  /// The most `sweep` may commit under the coordinator's own budget, given the other sweeps
  /// (nil: no such budget). Each store sets it on the ledger it hands to ``changeLedger(_:_:)``.
  mutating func outerLimit(_ sweep: SweepRef) throws -> MicroDollars? {
    guard let outer = try outerBudget() else { return nil }
    return OuterBudget.limit(
      budget: outer.budget, othersUsage: try outerUsage(excluding: sweep), periodBase: try periodBase(sweep))
  }
}

/// A stored lease as the scheduler reads it: the columns both stores keep (``StoredLease``) and
/// the rows it belongs to.
protocol ScheduledLease: StoredLease {
  associatedtype Ref
  associatedtype SweepRef
  associatedtype ShardRef
  associatedtype WorkerRef
  var ref: Ref { get }
  var sweepRef: SweepRef { get }
  var shardRef: ShardRef { get }
  var workerRef: WorkerRef { get }
  var workerID: String { get }
  /// The expected duration of one trial when the lease was granted.
  var expected: Duration { get }
}

/// What a grant needs of a sweep.
struct SweepTerms<SweepRef> {
  var ref: SweepRef
  var id: String
  var name: String
  var estimate: Duration
  var trialTimeout: Duration?
  var objectiveMetric: String
  var maxAttempts: Int
  /// The spec's `workdir`, handed to the worker with each grant.
  var workdir: String? = nil
  var artifacts: ArtifactPolicy = .default
  /// Held per trial with each lease when trials are priced per job (``SweepSpec/trialPrice``).
  var trialPrice: MicroDollars? = nil
}

/// A pending trial about to be leased.
struct TrialToLease<TrialRef> {
  var ref: TrialRef
  var id: String
  var domain: String
  var attempts: Int
  var failures: Int
  var params: [(name: String, value: ParameterValue)]
  var argv: [String]
}

/// The fields of a trial its lifecycle works on.
struct TrialRow {
  var state: TrialState
  var attempts: Int
  var failures: Int
  var completedAttempt: Int?
  var pruned: Bool
  var maxAttempts: Int

  var lifecycle: TrialLifecycle {
    TrialLifecycle(
      state: state, attempts: attempts, failures: failures, maxAttempts: maxAttempts,
      completedAttempt: completedAttempt)
  }
}

struct TrialForReport<SweepRef, TrialRef> {
  var sweep: SweepRef
  var trial: TrialRef
  var row: TrialRow
  var domain: String
  var objectiveMetric: String
  /// The sweep's parameter names: metrics may not take them (``MetricNames``).
  var parameterNames: [String]
  /// ``SweepTerms/trialPrice``.
  var trialPrice: MicroDollars? = nil
}

struct TrialForEarlyStopping<TrialRef> {
  var ref: TrialRef
  var domain: String
  var params: [(name: String, value: ParameterValue)]
  var stage: Int
  var state: TrialState
  var attempts: Int
  var pruneReason: String?
}

struct AttemptRow {
  var leaseID: String
  var outcome: AttemptOutcome
  var workerID: String
}

struct RunningAttempt<TrialRef> {
  var trial: TrialRef
  var trialID: String
  var attempt: Int
}

/// A lease about to be inserted.
struct NewLease<SweepRef, ShardRef, WorkerRef> {
  var sweep: SweepRef
  var sweepID: String
  var shard: ShardRef
  var worker: WorkerRef
  var workerID: String
  var fencing: Int64
  var grantedAt: Timestamp
  var expiresAt: Timestamp
  var paidUntil: Timestamp?
  var slotRate: HourlyRate
  var expected: Duration
  var reservation: Reservation?
  /// Set when the lease was fitted to the last of the budget (see ``StoredLease/tail``).
  var tail: Duration? = nil
}

/// A paid worker's billing: see ``Scheduler/accrueIdle(_:worker:now:policy:)``.
struct WorkerAccount<SweepRef> {
  var hourlyRate: HourlyRate
  var slots: Int
  /// Its `--max-idle` promise.
  var maxIdle: Duration?
  var lastSeen: Timestamp
  var bill: WorkerBill
  /// Idle charges no sweep's budget has paid yet (shown; the next paid grant charges them to its
  /// sweep if the budget can pay them beside the lease).
  var unbudgeted: MicroDollars
  /// The reservation in one sweep's ledger that holds (and is charged) its idle time.
  var hold: IdleHold<SweepRef>?

  var isPaid: Bool { !hourlyRate.isFree }
  var slotRate: HourlyRate { LeaseMeter.slotRate(hourly: hourlyRate, slots: slots) }
}

/// A worker paid by subscription (see ``Scheduler/chargeSubscription(_:worker:sweep:now:)``).
struct WorkerSubscription {
  var fee: MicroDollars
  var period: Duration
  /// The current period is paid up to here; nil before the first.
  var paidUntil: Timestamp?
}

struct IdleHold<SweepRef> {
  var sweep: SweepRef
  var reservation: Reservation
}

/// What a grant needs of a worker.
struct WorkerTerms<WorkerRef> {
  var ref: WorkerRef
  var state: WorkerState
  var slots: Int
  var hourlyRate: HourlyRate
}
