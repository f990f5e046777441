import CommandLineSupport
import Coordinator
import Shared

/// The learning curve of one configuration: after each epoch, the intermediate metric a running
/// trial reports and the final metric a run stopped after that epoch would give.
public struct LearningCurve: Hashable, Sendable {
  public var intermediate: [Double]
  public var final: [Double]

  public init(intermediate: [Double], final: [Double]) {
    self.intermediate = intermediate
    self.final = final
  }
}

/// Runs a sweep's strategies on virtual time against known learning curves, through the
/// coordinator's own scheduler (a ``MemoryStore``): `workers` identical free workers take one
/// trial at a time in the scheduler's queue order (strategy trials at the front), each epoch
/// takes `secondsPerEpoch` and ends with a heartbeat carrying its intermediate metric (so ASHA
/// judges at its rungs exactly as in a real sweep, and a pruned trial stops when told), and the
/// result reports the final metric; the scheduler's strategy engine decides after each result.
public struct StrategyRunner {
  /// One trial as it ran.
  public struct RunTrial: Sendable {
    public var trial: StrategyTrial
    public var started: Double?
    public var ended: Double?
    public var epochsRun = 0
  }

  /// What a run did.
  public struct Outcome: Sendable {
    public var trials: [RunTrial]
    public var makespan: Double

    /// Seconds of training `domain` had used by `time` (running trials counted up to then).
    public func spent(_ domain: String, by time: Double) -> Double {
      trials.reduce(0) { total, run in
        guard run.trial.domain == domain, let started = run.started, started < time else { return total }
        return total + (min(run.ended ?? time, time) - started)
      }
    }

    /// Succeeded trials of `domain` in the order they finished, with the seconds spent when each finished.
    public func finishes(_ domain: String) -> [(objective: Double, spent: Double, trial: StrategyTrial)] {
      trials.filter { $0.trial.domain == domain && $0.trial.state == .succeeded && $0.ended != nil }
        .sorted { $0.ended! < $1.ended! }
        .map { ($0.trial.objective ?? 0, spent(domain, by: $0.ended!), $0.trial) }
    }
  }

  public let spec: SweepSpec
  public let workers: Int
  let curve: (String, [ParameterValue]) -> LearningCurve
  let secondsPerEpoch: (String, [ParameterValue]) -> Double

  public init(
    spec: SweepSpec, workers: Int, curve: @escaping (String, [ParameterValue]) -> LearningCurve,
    secondsPerEpoch: @escaping (String, [ParameterValue]) -> Double
  ) {
    self.spec = spec
    self.workers = max(1, workers)
    self.curve = curve
    self.secondsPerEpoch = secondsPerEpoch
  }

  /// The index of the parameter holding each trial's epochs.
  var epochsIndex: Int? {
    let name = spec.earlyStopping?.epochsParameter ?? "epochs"
    return spec.space.firstIndex { $0.name == name }
  }

  /// A trial on a worker.
  struct Running {
    var grant: LeaseGrant
    var values: [ParameterValue]
    var started: Double
    var epochs = 0
    var total: Int
    var curve: LearningCurve
    var secondsPerEpoch: Double

    var nextEpochEnds: Double { started + Double(epochs + 1) * secondsPerEpoch }
  }

  static let sweepID = "sw-strategy"
  /// Nothing expires: heartbeats come at epoch ends, which may be far apart on virtual time.
  static let policy = LeasePolicy(ttl: .seconds(10 * 365 * 24 * 3600))

  public func run() async throws -> Outcome {
    var spec = spec
    // One trial per lease: a worker takes the next trial of the queue.
    spec.shardSize = 1
    let store = MemoryStore()
    let at: (Double) -> Timestamp = { Timestamp(milliseconds: Int64(($0 * 1000).rounded())) }
    _ = try await store.createSweep(id: Self.sweepID, spec: spec, specText: "", now: at(0))
    let names = (0..<workers).map { "worker-\($0)" }
    for name in names {
      try await store.registerWorker(
        RegisterWorkerRequest(name: name, provider: .local, hourlyCostUsd: DollarAmount(.zero)), id: name,
        secretHash: [], now: at(0))
    }
    let metric = spec.objective.metric
    let progressMetric = spec.earlyStopping?.metric ?? metric
    var running: [Int: Running] = [:]
    var times: [String: (started: Double, ended: Double?, epochs: Int)] = [:]
    var now = 0.0
    while true {
      for slot in names.indices where running[slot] == nil {
        guard
          case .granted(let grant) = try await store.grantLease(
            workerID: names[slot], now: at(now), policy: Self.policy)
        else { continue }
        let trial = grant.trials[0]
        let values = spec.space.map { trial.params[$0.name] ?? $0.kind.value(atQuantile: 0.5) }
        let learning = curve(trial.domain, values)
        running[slot] = Running(
          grant: grant, values: values, started: now,
          total: epochsIndex.flatMap { values[$0].numeric }.map { Int($0) } ?? 1, curve: learning,
          secondsPerEpoch: secondsPerEpoch(trial.domain, values))
        times[trial.trialId] = (now, nil, 0)
      }
      // The next epoch to end among the running trials (the lowest slot on a tie).
      guard let (slot, next) = running.min(by: { ($0.value.nextEpochEnds, $0.key) < ($1.value.nextEpochEnds, $1.key) })
      else { break }
      now = next.nextEpochEnds
      var current = next
      current.epochs += 1
      running[slot] = current
      let trial = current.grant.trials[0]
      times[trial.trialId]?.epochs = current.epochs
      var status: AttemptStatus? = nil
      var value = 0.0
      if current.epochs >= current.total || current.epochs >= current.curve.final.count {
        status = .succeeded
        value = current.curve.final[min(current.epochs, current.curve.final.count) - 1]
      } else {
        value = current.curve.intermediate[current.epochs - 1]
        let beat = try await store.heartbeat(
          leaseID: current.grant.leaseId, workerID: names[slot],
          request: HeartbeatRequest(
            fencingToken: current.grant.fencingToken,
            progress: [
              TrialProgress(
                trialId: trial.trialId, attempt: trial.attempt, epoch: Double(current.epochs),
                metrics: [progressMetric: value])
            ]), now: at(now), policy: Self.policy)
        if beat.actions.contains(where: { $0.kind == .cancelTrial && $0.trialId == trial.trialId }) {
          status = .cancelled
        }
      }
      guard let status else { continue }
      _ = try await store.report(
        trialID: trial.trialId, workerID: names[slot],
        report: ResultReport(
          sweepId: Self.sweepID, leaseId: current.grant.leaseId, fencingToken: current.grant.fencingToken,
          attempt: trial.attempt, status: status, metrics: [metric: value], durationS: now - current.started),
        now: at(now))
      times[trial.trialId]?.ended = now
      running[slot] = nil
    }
    let trials = try await store.strategyTrials(sweepID: Self.sweepID).map { trial in
      RunTrial(
        trial: trial, started: times[trial.id]?.started, ended: times[trial.id]?.ended,
        epochsRun: times[trial.id]?.epochs ?? 0)
    }
    return Outcome(trials: trials, makespan: now)
  }
}
