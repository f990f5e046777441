import Shared

/// Everything a ``MemoryStore`` holds, as one value: the same rows the SQLite schema has
/// (sweeps, trials, shards, attempts, results, leases, workers, rungs), kept in arrays, with
/// the counts and queues SQLite would answer from its indexes kept up to date as they change.
/// It is a ``SchedulerStorage``: the ``Scheduler`` takes every decision on it, as on SQLite.
struct MemoryState {
  var tokens: [String: [UInt8]] = [:]
  var sweeps: [MemorySweep] = []
  /// Uploaded output folders, in upload order.
  var artifactRows: [MemoryArtifact] = []
  var sweepIndex: [String: Int] = [:]
  /// Workers and leases live in arrays, found by id through an index, and are changed in place:
  /// a dictionary of structs copied every worker (its record, labels, durations) on each change.
  var workers: [MemoryWorker] = []
  var workerIndex: [String: Int] = [:]
  /// What every call of a worker reads and writes, apart from the rest of its row: a heartbeat
  /// touching the whole worker missed the cache on a fleet of ten thousand.
  var presence: [WorkerPresence] = []
  /// Every lease ever granted; a lease's id names its position (``leasePosition(_:)``).
  var leases: [MemoryLease] = []
  /// The attempts each lease started, by lease position: (trial position, attempt number).
  var leaseAttempts: [[(trial: Int, attempt: Int)]] = []
  /// Active leases by the expiry they had when last queued (lazy: ``dueLeases(now:)`` re-queues
  /// a lease that a heartbeat renewed meanwhile, so a heartbeat touches no queue).
  var expiries = MinHeap<LeaseDue>()
  /// The coordinator's own budget across sweeps.
  var outer: OuterBudget? = nil
  var joinTokenRecords: [JoinTokenRecord] = []

  struct LeaseDue: Comparable {
    var expiresAt: Timestamp
    /// Grant order: SQLite returns leases that expire together in the order they were inserted.
    var lease: Int

    static func < (a: LeaseDue, b: LeaseDue) -> Bool {
      a.expiresAt != b.expiresAt ? a.expiresAt < b.expiresAt : a.lease < b.lease
    }
  }
}

struct MemorySweep {
  let id: String
  let seq: Int
  /// The effective spec: as submitted, with its extensions applied.
  var spec: SweepSpec
  let specText: String
  /// `sweep extend` as applied, for retries.
  var extensionRecords: [ExtensionRecord] = []
  let createdAt: Timestamp
  /// `spec.hasStrategies`, kept: read on every heartbeat and result.
  let strategic: Bool
  var state = SweepState.running
  var finishedAt: Timestamp?
  /// Why it paused itself, while ``state`` is `paused`.
  var pausedReason: String?
  /// ``SweepSpec/failureGuard`` as it runs.
  var failureWatch: FailureWatch?
  var ledger: Ledger
  /// Paid workers' idle time charged here (part of `ledger.spent`).
  var idleSpent = MicroDollars.zero
  /// Subscription fees charged here (part of `ledger.spent`).
  var feeSpent = MicroDollars.zero
  /// What priced trials cost here (part of `ledger.spent`).
  var trialSpent = MicroDollars.zero
  /// What it had spent when the outer budget's current period began.
  var periodBase = MicroDollars.zero
  var trials: [MemoryTrial] = []
  var trialIndex: [String: Int] = [:]
  var shards: [MemoryShard] = []
  /// Pending shards by position (lazy: re-checked at the top).
  var pendingShards = MinHeap<ShardDue>()
  /// The first trial not yet in a shard: shards are inserted after their trials.
  var unsharded = 0
  /// The lowest shard position: strategies queue new shards before it.
  var lowestPosition: Int64 = 0
  /// Per domain (by position in `spec.domains`): trial counts, attempt costs, the next trial
  /// index and shard ordinal.
  var counts: [TrialCounts]
  var spentByDomain: [MicroDollars]
  var nextIndex: [Int]
  var nextOrdinal: [Int]
  /// Trials pending, leased or waiting: the sweep completes when none is left.
  var open = 0
  /// Values at each ASHA rung, per domain, stage and rung.
  var rungs: [RungGroup: [(trial: Int, value: Double)]] = [:]

  struct ShardDue: Comparable {
    var position: Int64
    var shard: Int
    static func < (a: ShardDue, b: ShardDue) -> Bool { (a.position, a.shard) < (b.position, b.shard) }
  }

  struct RungGroup: Hashable {
    var domain: Int
    var stage: Int
    var rung: Int
  }

  init(id: String, seq: Int, spec: SweepSpec, specText: String, createdAt: Timestamp) {
    self.id = id
    self.seq = seq
    self.spec = spec
    self.specText = specText
    self.createdAt = createdAt
    strategic = spec.hasStrategies
    ledger = Ledger(budget: spec.budget)
    counts = Array(repeating: TrialCounts(), count: spec.domains.count)
    spentByDomain = Array(repeating: .zero, count: spec.domains.count)
    nextIndex = Array(repeating: 0, count: spec.domains.count)
    nextOrdinal = Array(repeating: 0, count: spec.domains.count)
  }

  func domainIndex(_ domain: String) throws(StoreError) -> Int {
    guard let index = spec.domains.firstIndex(of: domain) else {
      throw .corrupt("sweep \(id) has no domain '\(domain)'")
    }
    return index
  }

  /// Moves a trial to `state`, keeping the counts.
  mutating func setState(_ index: Int, _ state: TrialState) {
    let old = trials[index].state
    guard old != state else { return }
    let domain = trials[index].domain
    counts[domain].add(old, -1)
    counts[domain].add(state, 1)
    open += (state.isOpen ? 1 : 0) - (old.isOpen ? 1 : 0)
    trials[index].state = state
  }

  mutating func addCost(_ index: Int, attempt: Int, _ amount: MicroDollars) {
    guard amount != .zero else { return }
    trials[index].attempts[attempt - 1].cost = MicroDollars(
      trials[index].attempts[attempt - 1].cost.value + amount.value)
    spentByDomain[trials[index].domain] = MicroDollars(spentByDomain[trials[index].domain].value + amount.value)
  }

  /// Puts a shard in the pending queue.
  mutating func queue(_ shard: Int) {
    shards[shard].state = .pending
    pendingShards.push(ShardDue(position: shards[shard].position, shard: shard))
  }
}

struct MemoryTrial {
  let id: String
  let domain: Int
  let idx: Int
  let shardOrdinal: Int
  /// Its shard's position in ``MemorySweep/shards`` once the shard is inserted.
  var shard = -1
  let params: [(name: String, value: ParameterValue)]
  let argv: [String]
  let stage: Int
  let origin: TrialOrigin
  var state: TrialState
  var failures = 0
  var completedAttempt: Int?
  var objective: Double?
  var durationMs: Int64?
  var pruneReason: String?
  /// ASHA rungs reached: (rung, value).
  var rungs: [(rung: Int, value: Double)] = []
  /// Attempt `n` is `attempts[n - 1]`.
  var attempts: [MemoryAttempt] = []
}

struct MemoryAttempt {
  let leaseID: String
  let workerID: String
  let startedAt: Timestamp
  var outcome = AttemptOutcome.running
  var reason: String?
  var endedAt: Timestamp?
  var cost = MicroDollars.zero
  var progress: TrialProgress?
  var result: MemoryResult?
}

struct MemoryResult {
  var status: AttemptStatus
  var completed: Bool
  var metrics: [String: Double]
  var exitCode: Int? = nil
  var stderrTail: String? = nil
  var durationMs: Int64?
  var workerID: String
  var reportedAt: Timestamp
  var ack: ResultAck
}

struct MemoryShard {
  let domain: Int
  let ordinal: Int
  let position: Int64
  /// The sweep's trials of this shard, in index order.
  let trials: Range<Int>
  var state: ShardState
  var fencing: Int64 = 0
}

/// A shard by the position of its sweep and its own.
struct MemoryShardRef {
  var sweep: Int
  var shard: Int
}

/// A trial by the position of its sweep and its own.
struct MemoryTrialRef {
  var sweep: Int
  var trial: Int
}

/// A lease row. Plain values but for the worker's id, so that the scheduler's reads copy it
/// cheaply: its id is its position (``MemoryState/leaseID(_:)``), and the attempts it started are
/// kept apart (``MemoryState/leaseAttempts``).
struct MemoryLease: ScheduledLease {
  /// Its position in ``MemoryState/leases``.
  let ref: Int
  let sweepRef: Int
  let shardRef: MemoryShardRef
  let workerID: String
  /// The worker's position in ``MemoryState/workers``.
  let workerRef: Int
  let fencing: Int64
  let grantedAt: Timestamp
  let slotRate: HourlyRate
  let expected: Duration
  let reservationID: UInt64?
  var state = LeaseState.active
  var expiresAt: Timestamp
  var paidUntil: Timestamp?
  var held: MicroDollars
  var charged = MicroDollars.zero
  var closedAt: Timestamp? = nil
  let tail: Duration?
  var excusedUntil: Timestamp? = nil
  /// Set when another attempt completed a trial this lease is still running, so that a
  /// heartbeat looks for trials to cancel only then (SQLite asks on every heartbeat; the answer
  /// is the same).
  var runsCompletedTrials = false
}

struct WorkerPresence {
  var lastSeen: Timestamp
  var state = WorkerState.active
  var paused: PauseReason?
  var activeLeases = 0
}

struct MemoryWorker {
  /// Its registration; `state` is kept in ``WorkerPresence``.
  var record: WorkerRecord
  let registeredAt: Timestamp
  var trialsDone = 0
  var spent = MicroDollars.zero
  /// Its whole-life billing (see ``WorkerAccount``); `hold.sweep` is a sweep's position.
  var maxIdle: Duration? = nil
  var bill: WorkerBill
  var unbudgeted = MicroDollars.zero
  var hold: IdleHold<Int>? = nil
  /// Positions of its leases that may still overlap the bill's next accrual (open, or closed
  /// after ``bill``'s `until`): pruned at each accrual, so a long-lived worker's history is not rescanned.
  var billingLeases: [Int] = []
  /// Its subscription, if it is paid by one, and what it was charged.
  var subscription: WorkerSubscription? = nil
  var subscriptionCharged = MicroDollars.zero
  /// Durations of its last completed results, per sweep (by position) and overall (at most 20 each).
  var recent: [Int: [Int64]] = [:]
  var recentOverall: [Int64] = []

  mutating func remember(sweep: Int, durationMs: Int64) {
    recent[sweep, default: []].append(durationMs)
    if recent[sweep]!.count > 20 { recent[sweep]!.removeFirst() }
    recentOverall.append(durationMs)
    if recentOverall.count > 20 { recentOverall.removeFirst() }
  }
}

extension TrialState {
  var isOpen: Bool { self == .pending || self == .leased || self == .waiting }
}

extension TrialCounts {
  mutating func add(_ state: TrialState, _ n: Int) {
    switch state {
    case .pending: pending += n
    case .leased: leased += n
    case .succeeded: succeeded += n
    case .failed: failed += n
    case .cancelled: cancelled += n
    case .waiting: waiting += n
    case .pruned: pruned += n
    }
  }
}

/// An uploaded output folder on record.
struct MemoryArtifact {
  let sweep: Int
  let trial: Int
  let attempt: Int
  var sha256: String
  var bytes: Int64
}
