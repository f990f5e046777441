import CommandLineSupport
import Coordinator
import Foundation
import Shared

/// What a simulated sweep cost and how long it took.
public struct SimulationReport: Sendable {
  public var fleet: String
  public var workers: Int
  public var trials: Int
  public var succeeded = 0
  public var failed = 0
  public var unfinished = 0
  /// From the first grant to the result that finished the sweep (or to the last event).
  public var makespan: Duration = .zero
  /// Total expected work divided by the fleet's total speed: no scheduler can beat it.
  public var ideal: Duration = .zero
  public var budget: MicroDollars = .zero
  public var spent: MicroDollars = .zero
  /// Spent beyond the budget: must be zero.
  public var overspend: MicroDollars = .zero
  /// Paid for attempts that a preemption cut short.
  public var lostToPreemption: MicroDollars = .zero
  /// Hours paid machines were up without running a trial (until they stopped after `max_idle`).
  public var idlePaidHours = 0.0
  /// What those idle hours cost at each machine's rate: billed by the provider, though no trial ran.
  public var idlePaidCost: MicroDollars = .zero
  /// The coordinator's side of the same: idle time charged to the budget (part of ``spent``) …
  public var idleCharged: MicroDollars = .zero
  /// … and idle time no budget held (a last lease took the window; preempted boxes billed to
  /// their promised stop), on the provider's bill beside ``spent``.
  public var idleUnbudgeted: MicroDollars = .zero
  /// The whole bill as the coordinator counts it.
  public var billed: MicroDollars { spent.adding(idleUnbudgeted) ?? spent }
  public var preemptions = 0
  /// Calls into the store (grants, heartbeats, results, releases, reaps) and their mean wall time.
  public var decisions = 0
  public var schedulerTimePerDecision: Duration = .zero
  public var wallTime: Duration = .zero
  /// Which store held the simulated coordinator's state.
  public var store: FleetSimulator.StoreKind = .memory
}

/// What the simulator reads of a store beyond ``SweepStore``: the totals of its report.
public protocol SimulationStore: SweepStore {
  func trialCount(sweepID: String) async throws -> Int
  /// Trials pending, leased or waiting: the simulation ends when none is left.
  func openTrials(sweepID: String) async throws -> Int
  /// Cost of the sweep's attempts that ended with `outcome` (`expired`: cut short by a preemption).
  func attemptCost(sweepID: String, outcome: AttemptOutcome) async throws -> MicroDollars
}

extension MemoryStore: SimulationStore {}

extension SQLiteStore: SimulationStore {}

/// Runs a sweep on a simulated fleet through a coordinator store — grants, heartbeats,
/// allowances, the ledger, results and the reaper, through the ``SweepStore`` calls `sweep
/// serve` makes — on a virtual clock, with trial durations, failures and preemptions drawn from
/// the fleet's seed. The store is ``MemoryStore`` unless ``store`` says `.sqlite`: both run the
/// same ``Scheduler`` steps, so they give the same report; memory is the fast one.
public final class FleetSimulator {
  public enum StoreKind: String, Sendable, CaseIterable {
    case memory, sqlite
  }

  public let spec: SweepSpec
  public let fleet: FleetSpec
  public let policy: LeasePolicy
  /// How often an idle worker asks again (a real one long-polls; the virtual clock jumps).
  public var pollInterval: Duration = .seconds(30)
  /// nil: memory.
  public var store: StoreKind?

  public init(spec: SweepSpec, fleet: FleetSpec, policy: LeasePolicy = LeasePolicy()) {
    self.spec = spec
    self.fleet = fleet
    self.policy = policy
  }

  private struct SimWorker {
    let id: String
    let group: FleetGroup
    let mean: Duration
    var alive = true
    var exited = false
    var lease: SimLease?
    var trialIndex = 0
    var attemptStart = Timestamp(milliseconds: 0)
    var attemptEnd = Timestamp(milliseconds: 0)
    var attemptFails = false
    var deadline: Timestamp?
    var generation: Int32 = 0
    var idleSince: Timestamp?
    var busy: Duration = .zero
    var startedAt: Timestamp?
    var stoppedAt: Timestamp?
    /// Its latest lease was its last (``LeaseGrant/exitAfter``): it exits at the next "no work".
    var lastLease = false
    var isPaid: Bool { !group.hourlyRate.isFree }
  }

  /// What a simulated worker keeps of its grant (copying the whole grant on every event was a
  /// tenth of a large simulation).
  private struct SimLease {
    let leaseId: String
    let sweepId: String
    let fencingToken: Int64
    let trials: [(trialId: String, attempt: Int)]

    init(_ grant: LeaseGrant) {
      leaseId = grant.leaseId
      sweepId = grant.sweepId
      fencingToken = grant.fencingToken
      trials = grant.trials.map { ($0.trialId, $0.attempt) }
    }
  }

  /// Worker positions and attempt generations as 32-bit numbers: a queued event is then 32
  /// bytes instead of 40, and the queue of a ten-thousand-worker fleet is mostly memory traffic.
  private enum Event {
    case poll(Int32)
    case finish(Int32, Int32)
    case heartbeat(Int32, Int32)
    case deadline(Int32, Int32)
    case preempt(Int32)
    case reap
  }

  public func run() async throws -> SimulationReport {
    let kind = store ?? .memory
    switch kind {
    case .memory:
      return try await run(on: MemoryStore(), kind: kind)
    case .sqlite:
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-sim-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: directory) }
      let store = try SQLiteStore(path: directory.appendingPathComponent("sim.db").path, durable: false)
      defer { try? store.close() }
      return try await run(on: store, kind: kind)
    }
  }

  private func run(on store: some SimulationStore, kind: StoreKind) async throws -> SimulationReport {
    let wallStart = ContinuousClock.now
    let clock = ManualWallClock()
    let start = clock.now
    let created = try await store.createSweep(id: "sw-sim", spec: spec, specText: "", now: start)
    // Strategies (stages, transfer, adaptive) add trials as results arrive: recounted then.
    var totalTrials = created.totalTrials
    var random = Xoshiro256StarStar(seed: fleet.seed)
    var queue = EventQueue<Event>()
    var workers: [SimWorker] = []
    for group in fleet.groups {
      for index in 0..<group.count {
        let id = "wk-sim-\(group.name)-\(index)"
        try await store.registerWorker(
          RegisterWorkerRequest(
            name: "\(group.name)-\(index)", provider: group.hourlyRate.isFree ? .local : .other,
            hourlyCostUsd: DollarAmount(MicroDollars(group.hourlyRate.microDollarsPerHour)),
            maxIdleS: fleet.maxIdle.secondsDouble),
          id: id, secretHash: [0], now: start)
        workers.append(
          SimWorker(id: id, group: group, mean: group.meanTrialDuration(estimate: spec.estimatedTrialDuration)))
      }
    }
    // The first requests arrive together: serve them as the dispatcher would (free first, then cheapest).
    let candidates = workers.enumerated().map { index, worker in
      PlacementCandidate(
        workerID: String(index), slotRate: worker.group.hourlyRate, expectedTrial: worker.mean, arrival: UInt64(index))
    }
    for candidate in PlacementCandidate.ordered(candidates) { queue.push(.poll(Int32(candidate.workerID)!), at: start) }
    for (index, worker) in workers.enumerated() where worker.group.preemptionPerHour > 0 {
      let hours = -log(random.nextOpenUnit()) / worker.group.preemptionPerHour
      queue.push(.preempt(Int32(index)), at: start + .milliseconds(Int64(hours * 3_600_000)))
    }

    let heartbeatEvery = policy.heartbeatInterval
    var report = SimulationReport(fleet: fleet.name, workers: workers.count, trials: totalTrials)
    report.store = kind
    // Workers alive, not stopped, holding a lease: an idle worker stops when none is left.
    var holding = 0
    let totalSpeed = workers.reduce(0.0) { $0 + 1.0 / Double(max(1, $1.mean.wholeMilliseconds)) }
    report.ideal = .milliseconds(Int64((Double(totalTrials) / totalSpeed).rounded()))
    // Counted by the store, not from the answers: the reaper can fail a trial too.
    var open = try await store.openTrials(sweepID: "sw-sim")
    var lastProgress = start
    var schedulerTime: Duration = .zero
    func timed<T>(_ body: () async throws -> T) async rethrows -> T {
      let began = ContinuousClock.now
      defer {
        schedulerTime += ContinuousClock.now - began
        report.decisions += 1
      }
      return try await body()
    }
    func duration(_ worker: SimWorker) -> Duration {
      let sigma = fleet.durationSpread
      guard sigma > 0 else { return worker.mean }
      let z = sqrt(-2 * log(random.nextOpenUnit())) * cos(2 * Double.pi * random.nextOpenUnit())
      return .milliseconds(max(1, Int64((Double(worker.mean.wholeMilliseconds) * exp(sigma * z - sigma * sigma / 2)))))
    }
    func startAttempt(_ index: Int, at now: Timestamp) {
      guard workers[index].lease != nil else { return }
      var worker = workers[index]
      let length = duration(worker)
      worker.attemptFails = random.nextOpenUnit() < worker.group.failureRate
      let runs = worker.attemptFails ? length * (0.1 + 0.9 * random.nextOpenUnit()) : length
      worker.generation += 1
      worker.attemptStart = now
      worker.attemptEnd = now + runs
      workers[index] = worker
      queue.push(.finish(Int32(index), worker.generation), at: worker.attemptEnd)
      queue.push(.heartbeat(Int32(index), worker.generation), at: now + heartbeatEvery)
      if let deadline = worker.deadline, deadline < worker.attemptEnd {
        queue.push(.deadline(Int32(index), worker.generation), at: deadline)
      }
    }
    /// Ends the running attempt with `status` and moves on: next trial, or release and ask again.
    func endAttempt(_ index: Int, _ status: AttemptStatus, at now: Timestamp) async throws {
      guard let lease = workers[index].lease else { return }
      let trial = lease.trials[workers[index].trialIndex]
      workers[index].busy += now.since(workers[index].attemptStart)
      workers[index].generation += 1
      let seconds = now.since(workers[index].attemptStart).secondsDouble
      let metrics = status == .succeeded ? [spec.objective.metric: random.nextOpenUnit()] : [:]
      let ack = try? await timed {
        try await store.report(
          trialID: trial.trialId, workerID: workers[index].id,
          report: ResultReport(
            sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
            status: status, metrics: metrics, exitCode: status == .failed ? 1 : 0, durationS: seconds),
          now: now)
      }
      if let ack, ack.trialState == TrialState.succeeded.rawValue || ack.trialState == TrialState.failed.rawValue {
        lastProgress = now
        open = try await store.openTrials(sweepID: "sw-sim")
        if spec.hasStrategies { totalTrials = try await store.trialCount(sweepID: "sw-sim") }
      }
      workers[index].trialIndex += 1
      let paidTimeLeft = workers[index].deadline.map { now < $0 } ?? true
      if status != .allowanceExhausted, paidTimeLeft, workers[index].trialIndex < lease.trials.count {
        startAttempt(index, at: now)
        return
      }
      let unstarted = lease.trials.dropFirst(workers[index].trialIndex).map(\.trialId)
      if !unstarted.isEmpty {
        _ = try? await timed {
          try await store.release(
            leaseID: lease.leaseId, workerID: workers[index].id,
            request: ReleaseRequest(fencingToken: lease.fencingToken, trialIds: unstarted), now: now)
        }
      }
      workers[index].lease = nil
      holding -= 1
      queue.push(.poll(Int32(index)), at: now)
    }

    var now = start
    while open > 0, let (time, event) = queue.pop() {
      now = time
      clock.set(now)
      switch event {
      case .poll(let position):
        let index = Int(position)
        guard workers[index].alive, !workers[index].exited, workers[index].lease == nil else { continue }
        let outcome = try await timed {
          try await store.grantLease(workerID: workers[index].id, now: now, policy: policy)
        }
        switch outcome {
        case .granted(let grant):
          workers[index].lease = SimLease(grant)
          workers[index].lastLease = grant.exitAfter == true
          holding += 1
          workers[index].trialIndex = 0
          workers[index].idleSince = nil
          workers[index].deadline = grant.allowanceS.map { now + .milliseconds(Int64($0 * 1000)) }
          startAttempt(index, at: now)
        case .noWork(let reason, _):
          let idleSince = workers[index].idleSince ?? now
          workers[index].idleSince = idleSince
          let othersCanFinish = holding > 0
          if workers[index].isPaid && now.since(idleSince) >= fleet.maxIdle
            || (!othersCanFinish && now.since(idleSince) >= fleet.maxIdle)
            || reason == .idleNotCovered || (workers[index].lastLease && reason != .slotsFull)
          {
            // As the real worker: it exits and deregisters, which ends its bill.
            workers[index].exited = true
            workers[index].stoppedAt = now
            try await store.deregisterWorker(id: workers[index].id, now: now)
          } else {
            queue.push(.poll(Int32(index)), at: now + pollInterval)
          }
        }
      case .finish(let position, let tag):
        let (index, generation) = (Int(position), tag)
        guard workers[index].alive, workers[index].generation == generation else { continue }
        try await endAttempt(index, workers[index].attemptFails ? .failed : .succeeded, at: now)
      case .heartbeat(let position, let tag):
        let (index, generation) = (Int(position), tag)
        guard workers[index].alive, workers[index].generation == generation, let lease = workers[index].lease else {
          continue
        }
        let trial = lease.trials[workers[index].trialIndex]
        do {
          let response = try await timed {
            try await store.heartbeat(
              leaseID: lease.leaseId, workerID: workers[index].id,
              request: HeartbeatRequest(
                fencingToken: lease.fencingToken,
                progress: [TrialProgress(trialId: trial.trialId, attempt: trial.attempt)]),
              now: now, policy: policy)
          }
          if let allowance = response.allowanceS {
            workers[index].deadline = now + .milliseconds(Int64(allowance * 1000))
          }
          if response.actions.contains(where: { $0.kind != .continue }) {
            try await endAttempt(index, .cancelled, at: now)
            continue
          }
          queue.push(.heartbeat(Int32(index), generation), at: now + heartbeatEvery)
          if let deadline = workers[index].deadline, deadline < workers[index].attemptEnd {
            queue.push(.deadline(Int32(index), generation), at: deadline)
          }
        } catch {
          // the lease is gone (expired, fenced): stop and ask for new work
          workers[index].busy += now.since(workers[index].attemptStart)
          workers[index].generation += 1
          workers[index].lease = nil
          holding -= 1
          queue.push(.poll(Int32(index)), at: now)
        }
      case .deadline(let position, let tag):
        let (index, generation) = (Int(position), tag)
        guard workers[index].alive, workers[index].generation == generation,
          let deadline = workers[index].deadline, deadline <= now
        else { continue }
        try await endAttempt(index, .allowanceExhausted, at: now)
      case .preempt(let position):
        let index = Int(position)
        guard workers[index].alive, !workers[index].exited else { continue }
        if workers[index].lease != nil {
          workers[index].busy += now.since(workers[index].attemptStart)
          holding -= 1
        }
        workers[index].alive = false
        workers[index].stoppedAt = now
        report.preemptions += 1
        queue.push(.reap, at: now + policy.ttl + .seconds(1))
        if let delay = fleet.replacementDelay, open > 0 {
          // the provider gives a new machine of the same kind, which registers afresh
          let group = workers[index].group
          let id = "wk-sim-\(group.name)-r\(workers.count)"
          try await store.registerWorker(
            RegisterWorkerRequest(
              name: id, provider: .other,
              hourlyCostUsd: DollarAmount(MicroDollars(group.hourlyRate.microDollarsPerHour)),
              maxIdleS: fleet.maxIdle.secondsDouble),
            id: id, secretHash: [0], now: now)
          var replacement = SimWorker(id: id, group: group, mean: workers[index].mean)
          replacement.startedAt = now + delay
          workers.append(replacement)
          queue.push(.poll(Int32(workers.count - 1)), at: now + delay)
          let hours = -log(random.nextOpenUnit()) / group.preemptionPerHour
          queue.push(.preempt(Int32(workers.count - 1)), at: now + delay + .milliseconds(Int64(hours * 3_600_000)))
        }
      case .reap:
        _ = try await store.closeSilentBills(now: now, policy: policy)
        let summary = try await timed { try await store.reap(now: now) }
        if summary.failedTrials > 0 || summary.strategyChanges > 0 {
          lastProgress = now
          open = try await store.openTrials(sweepID: "sw-sim")
          if spec.hasStrategies { totalTrials = try await store.trialCount(sweepID: "sw-sim") }
        }
      }
    }

    report.trials = totalTrials
    let end = open == 0 ? lastProgress : now
    // The machines still up stop with the work and deregister; the preempted ones are billed up to
    // the moment they promised to have stopped, as the reaper would.
    for worker in workers where worker.alive && !worker.exited {
      try await store.deregisterWorker(id: worker.id, now: end)
    }
    _ = try await store.closeSilentBills(now: max(end, now) + .seconds(86_400 * 30), policy: policy)
    report.makespan = end.since(start)
    let status = try await store.sweepStatus(id: "sw-sim")
    report.succeeded = status.counts.succeeded
    report.failed = status.counts.failed
    report.unfinished = totalTrials - report.succeeded - report.failed
    report.budget = status.budgetUsd.micros
    report.spent = status.spentUsd.micros
    report.overspend = MicroDollars(max(0, status.spentUsd.micros.value - status.budgetUsd.micros.value))
    report.idleCharged = status.idleSpentUsd?.micros ?? .zero
    report.idleUnbudgeted = MicroDollars(
      try await store.listWorkers().reduce(Int64(0)) { $0 + ($1.billing?.unbudgetedIdleUsd.micros.value ?? 0) })
    report.lostToPreemption = try await store.attemptCost(sweepID: "sw-sim", outcome: .expired)
    report.idlePaidHours = workers.filter(\.isPaid).reduce(0.0) { total, worker in
      let up = (worker.stoppedAt ?? end).since(worker.startedAt ?? start)
      return total + max(0, (up - worker.busy).secondsDouble) / 3600
    }
    report.idlePaidCost = workers.filter(\.isPaid).reduce(MicroDollars.zero) { total, worker in
      let up = (worker.stoppedAt ?? end).since(worker.startedAt ?? start)
      let idle = worker.group.hourlyRate.cost(of: max(.zero, up - worker.busy))
      return total.adding(idle) ?? total
    }
    report.schedulerTimePerDecision = report.decisions > 0 ? schedulerTime / report.decisions : .zero
    report.wallTime = ContinuousClock.now - wallStart
    return report
  }
}

/// A min-heap of timed events; events at the same time come out in the order they went in.
/// Four children per node: half the depth of a binary heap, which a simulation of ten thousand
/// workers (tens of thousands of queued events, one pop per event) notices.
struct EventQueue<Element> {
  private var heap: [(time: Int64, order: UInt64, element: Element)] = []
  private var counter: UInt64 = 0

  var isEmpty: Bool { heap.isEmpty }

  mutating func push(_ element: Element, at time: Timestamp) {
    counter += 1
    heap.append((time.milliseconds, counter, element))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 4
      guard Self.less(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> (Timestamp, Element)? {
    guard !heap.isEmpty else { return nil }
    heap.swapAt(0, heap.count - 1)
    let top = heap.removeLast()
    var parent = 0
    let count = heap.count
    while true {
      let first = 4 * parent + 1
      if first >= count { break }
      var smallest = first
      for child in (first + 1)..<min(first + 4, count) where Self.less(heap[child], heap[smallest]) {
        smallest = child
      }
      guard Self.less(heap[smallest], heap[parent]) else { break }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
    return (Timestamp(milliseconds: top.time), top.element)
  }

  private static func less(
    _ a: (time: Int64, order: UInt64, element: Element), _ b: (time: Int64, order: UInt64, element: Element)
  ) -> Bool {
    a.time != b.time ? a.time < b.time : a.order < b.order
  }
}
