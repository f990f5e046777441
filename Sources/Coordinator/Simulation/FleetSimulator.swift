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
  public var preemptions = 0
  /// Calls into the store (grants, heartbeats, results, releases, reaps) and their mean wall time.
  public var decisions = 0
  public var schedulerTimePerDecision: Duration = .zero
  public var wallTime: Duration = .zero
}

/// Runs a sweep on a simulated fleet through the real coordinator store — the same grant,
/// heartbeat, allowance, ledger, result and reaper code `sweep serve` runs — on a virtual clock,
/// with trial durations, failures and preemptions drawn from the fleet's seed.
public final class FleetSimulator {
  public let spec: SweepSpec
  public let fleet: FleetSpec
  public let policy: LeasePolicy
  /// How often an idle worker asks again (a real one long-polls; the virtual clock jumps).
  public var pollInterval: Duration = .seconds(30)

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
    var lease: LeaseGrant?
    var trialIndex = 0
    var attemptStart = Timestamp(milliseconds: 0)
    var attemptEnd = Timestamp(milliseconds: 0)
    var attemptFails = false
    var deadline: Timestamp?
    var generation = 0
    var idleSince: Timestamp?
    var busy: Duration = .zero
    var startedAt: Timestamp?
    var stoppedAt: Timestamp?
    var isPaid: Bool { !group.hourlyRate.isFree }
  }

  private enum Event {
    case poll(Int)
    case finish(Int, Int)
    case heartbeat(Int, Int)
    case deadline(Int, Int)
    case preempt(Int)
    case reap
  }

  public func run() async throws -> SimulationReport {
    let wallStart = ContinuousClock.now
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-sim-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteStore(path: directory.appendingPathComponent("sim.db").path, durable: false)
    defer { try? store.close() }
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
            hourlyCostUsd: DollarAmount(MicroDollars(group.hourlyRate.microDollarsPerHour))),
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
    for candidate in PlacementCandidate.ordered(candidates) { queue.push(.poll(Int(candidate.workerID)!), at: start) }
    for (index, worker) in workers.enumerated() where worker.group.preemptionPerHour > 0 {
      let hours = -log(random.nextOpenUnit()) / worker.group.preemptionPerHour
      queue.push(.preempt(index), at: start + .milliseconds(Int64(hours * 3_600_000)))
    }

    var report = SimulationReport(fleet: fleet.name, workers: workers.count, trials: totalTrials)
    let totalSpeed = workers.reduce(0.0) { $0 + 1.0 / Double(max(1, $1.mean.wholeMilliseconds)) }
    report.ideal = .milliseconds(Int64((Double(totalTrials) / totalSpeed).rounded()))
    var finished = Set<String>()
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
      queue.push(.finish(index, worker.generation), at: worker.attemptEnd)
      queue.push(.heartbeat(index, worker.generation), at: now + policy.heartbeatInterval)
      if let deadline = worker.deadline, deadline < worker.attemptEnd {
        queue.push(.deadline(index, worker.generation), at: deadline)
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
      if let ack, ack.trialState == "succeeded" || ack.trialState == "failed" {
        finished.insert(trial.trialId)
        lastProgress = now
        if spec.hasStrategies {
          totalTrials = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE sweep_id = 'sw-sim'") ?? 0
          }
        }
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
      queue.push(.poll(index), at: now)
    }

    var now = start
    while finished.count < totalTrials, let (time, event) = queue.pop() {
      now = time
      clock.set(now)
      switch event {
      case .poll(let index):
        guard workers[index].alive, !workers[index].exited, workers[index].lease == nil else { continue }
        let outcome = try await timed {
          try await store.grantLease(workerID: workers[index].id, now: now, policy: policy)
        }
        switch outcome {
        case .granted(let grant):
          workers[index].lease = grant
          workers[index].trialIndex = 0
          workers[index].idleSince = nil
          workers[index].deadline = grant.allowanceS.map { now + .milliseconds(Int64($0 * 1000)) }
          startAttempt(index, at: now)
        case .noWork:
          let idleSince = workers[index].idleSince ?? now
          workers[index].idleSince = idleSince
          let othersCanFinish = workers.contains { $0.alive && !$0.exited && $0.lease != nil }
          if workers[index].isPaid && now.since(idleSince) >= fleet.maxIdle
            || (!othersCanFinish && now.since(idleSince) >= fleet.maxIdle)
          {
            workers[index].exited = true
            workers[index].stoppedAt = now
          } else {
            queue.push(.poll(index), at: now + pollInterval)
          }
        }
      case .finish(let index, let generation):
        guard workers[index].alive, workers[index].generation == generation else { continue }
        try await endAttempt(index, workers[index].attemptFails ? .failed : .succeeded, at: now)
      case .heartbeat(let index, let generation):
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
          queue.push(.heartbeat(index, generation), at: now + policy.heartbeatInterval)
          if let deadline = workers[index].deadline, deadline < workers[index].attemptEnd {
            queue.push(.deadline(index, generation), at: deadline)
          }
        } catch {
          // the lease is gone (expired, fenced): stop and ask for new work
          workers[index].busy += now.since(workers[index].attemptStart)
          workers[index].generation += 1
          workers[index].lease = nil
          queue.push(.poll(index), at: now)
        }
      case .deadline(let index, let generation):
        guard workers[index].alive, workers[index].generation == generation,
          let deadline = workers[index].deadline, deadline <= now
        else { continue }
        try await endAttempt(index, .allowanceExhausted, at: now)
      case .preempt(let index):
        guard workers[index].alive, !workers[index].exited else { continue }
        if workers[index].lease != nil { workers[index].busy += now.since(workers[index].attemptStart) }
        workers[index].alive = false
        workers[index].stoppedAt = now
        report.preemptions += 1
        queue.push(.reap, at: now + policy.ttl + .seconds(1))
        if let delay = fleet.replacementDelay, finished.count < totalTrials {
          // the provider gives a new machine of the same kind, which registers afresh
          let group = workers[index].group
          let id = "wk-sim-\(group.name)-r\(workers.count)"
          try await store.registerWorker(
            RegisterWorkerRequest(
              name: id, provider: .other,
              hourlyCostUsd: DollarAmount(MicroDollars(group.hourlyRate.microDollarsPerHour))),
            id: id, secretHash: [0], now: now)
          var replacement = SimWorker(id: id, group: group, mean: workers[index].mean)
          replacement.startedAt = now + delay
          workers.append(replacement)
          queue.push(.poll(workers.count - 1), at: now + delay)
          let hours = -log(random.nextOpenUnit()) / group.preemptionPerHour
          queue.push(.preempt(workers.count - 1), at: now + delay + .milliseconds(Int64(hours * 3_600_000)))
        }
      case .reap:
        _ = try await timed { try await store.reap(now: now) }
      }
    }

    report.trials = totalTrials
    let end = finished.count == totalTrials ? lastProgress : now
    report.makespan = end.since(start)
    let status = try await store.sweepStatus(id: "sw-sim")
    report.succeeded = status.counts.succeeded
    report.failed = status.counts.failed
    report.unfinished = totalTrials - report.succeeded - report.failed
    report.budget = status.budgetUsd.micros
    report.spent = status.spentUsd.micros
    report.overspend = MicroDollars(max(0, status.spentUsd.micros.value - status.budgetUsd.micros.value))
    report.lostToPreemption = MicroDollars(
      try await store.pool.read { db in
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE state = 'expired'") ?? 0
      })
    report.idlePaidHours = workers.filter(\.isPaid).reduce(0.0) { total, worker in
      let up = (worker.stoppedAt ?? end).since(worker.startedAt ?? start)
      return total + max(0, (up - worker.busy).secondsDouble) / 3600
    }
    report.schedulerTimePerDecision = report.decisions > 0 ? schedulerTime / report.decisions : .zero
    report.wallTime = ContinuousClock.now - wallStart
    return report
  }
}

/// A min-heap of timed events; events at the same time come out in the order they went in.
struct EventQueue<Element> {
  private var heap: [(time: Int64, order: UInt64, element: Element)] = []
  private var counter: UInt64 = 0

  var isEmpty: Bool { heap.isEmpty }

  mutating func push(_ element: Element, at time: Timestamp) {
    counter += 1
    heap.append((time.milliseconds, counter, element))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
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
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < heap.count, Self.less(heap[left], heap[smallest]) { smallest = left }
      if right < heap.count, Self.less(heap[right], heap[smallest]) { smallest = right }
      if smallest == parent { break }
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
