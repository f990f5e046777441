import Shared

/// Everything a ``MemoryStore`` holds, as one value: the same rows the SQLite schema has
/// (sweeps, trials, shards, attempts, results, leases, workers), kept in arrays and
/// dictionaries, with the counts and queues SQLite would answer from its indexes kept up to
/// date as they change. Mutating methods are the store's transactions.
struct MemoryState {
  var tokens: [String: [UInt8]] = [:]
  var sweeps: [MemorySweep] = []
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
  /// Active leases by the expiry they had when last queued (lazy: the reaper re-queues a lease
  /// that a heartbeat renewed meanwhile, so a heartbeat touches no queue).
  var expiries = MinHeap<LeaseDue>()

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
  let spec: SweepSpec
  let specText: String
  let createdAt: Timestamp
  var state = "running"
  var finishedAt: Timestamp?
  var ledger: Ledger
  var trials: [MemoryTrial] = []
  var trialIndex: [String: Int] = [:]
  var shards: [MemoryShard] = []
  /// Positions of shards that were pending when pushed (lazy: re-checked at the top).
  var pendingShards = MinHeap<Int>()
  /// Trial counts per domain (by position in `spec.domains`).
  var counts: [TrialCounts]
  /// Attempt costs per domain, for the status.
  var spentByDomain: [MicroDollars]
  /// Trials pending, leased or waiting: the sweep completes when none is left.
  var open = 0

  init(id: String, seq: Int, spec: SweepSpec, specText: String, createdAt: Timestamp) {
    self.id = id
    self.seq = seq
    self.spec = spec
    self.specText = specText
    self.createdAt = createdAt
    ledger = Ledger(budget: spec.budget)
    counts = Array(repeating: TrialCounts(), count: spec.domains.count)
    spentByDomain = Array(repeating: .zero, count: spec.domains.count)
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
}

struct MemoryTrial {
  let id: String
  let domain: Int
  let idx: Int
  let shard: Int
  let params: [(name: String, value: ParameterValue)]
  let argv: [String]
  var state: TrialState
  var failures = 0
  var completedAttempt: Int?
  var objective: Double?
  var durationMs: Int64?
  /// Attempt `n` is `attempts[n - 1]`.
  var attempts: [MemoryAttempt] = []
}

struct MemoryAttempt {
  let leaseID: String
  let workerID: String
  let startedAt: Timestamp
  var state = "running"
  var reason: String?
  var endedAt: Timestamp?
  var cost = MicroDollars.zero
  var result: MemoryResult?
}

struct MemoryResult {
  var status: AttemptStatus
  var completed: Bool
  var metrics: [String: Double]
  var durationMs: Int64?
  var workerID: String
  var reportedAt: Timestamp
  var ack: ResultAck
}

struct MemoryShard {
  let domain: Int
  let ordinal: Int
  let position: Int
  /// The sweep's trials of this shard, in index order.
  let trials: Range<Int>
  var state: String
  var fencing: Int64 = 0
}

struct MemoryLease: StoredLease {
  let id: String
  let sweep: Int
  let shard: Int
  let workerID: String
  /// The worker's position in ``MemoryState/workers``.
  let worker: Int
  let fencing: Int64
  let grantedAt: Timestamp
  let slotRate: HourlyRate
  let expected: Duration
  let reservationID: UInt64?
  var state = "active"
  var expiresAt: Timestamp
  var paidUntil: Timestamp?
  var held: MicroDollars
  var charged = MicroDollars.zero
  var closedAt: Timestamp?
  /// Every attempt this lease started: (trial index, attempt number).
  var attempts: [(trial: Int, attempt: Int)] = []
  /// Set when another attempt completed a trial this lease is still running, so that a
  /// heartbeat looks for trials to cancel only then (the SQLite store asks on every heartbeat;
  /// the answer is the same).
  var runsCompletedTrials = false

}

struct WorkerPresence {
  enum State: String {
    case active, lost, deregistered
  }
  var lastSeen: Timestamp
  var state = State.active
  var activeLeases = 0

  /// Every call of the worker marks it seen and active (as SQLite's `UPDATE workers`).
  mutating func touch(_ now: Timestamp) {
    lastSeen = now
    state = .active
  }
}

struct MemoryWorker {
  /// Its registration; `state` is kept in ``WorkerPresence``.
  var record: WorkerRecord
  let registeredAt: Timestamp
  var trialsDone = 0
  var spent = MicroDollars.zero
  /// Durations of its last completed results, per sweep and overall (at most 20 each).
  var recent: [String: [Int64]] = [:]
  var recentOverall: [Int64] = []

  mutating func remember(sweepID: String, durationMs: Int64) {
    recent[sweepID, default: []].append(durationMs)
    if recent[sweepID]!.count > 20 { recent[sweepID]!.removeFirst() }
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
