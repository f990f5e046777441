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

/// Runs a sweep's strategies on virtual time against known learning curves: `workers` identical
/// workers take trials in queue order (strategy trials at the front, as the coordinator queues
/// them), every epoch takes `secondsPerEpoch`, ASHA judges at its rungs, and the same
/// ``StrategyEngine`` the coordinator uses decides after each finished trial.
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

  public func run() -> Outcome {
    var runs: [RunTrial] = []
    var queue: [Int] = []
    var ids = Set<String>()
    for domain in spec.domains {
      let held = spec.isTransferTarget(domain)
      for trial in DomainSampler.sample(spec, domain: domain).trials {
        ids.insert(trial.id)
        runs.append(
          RunTrial(
            trial: StrategyTrial(
              id: trial.id, domain: domain, values: trial.params.map(\.value), stage: 0, origin: .sampled,
              state: held ? .waiting : .pending, objective: nil, seconds: nil)))
        queue.append(runs.count - 1)
      }
    }
    let engine = StrategyEngine(spec: spec)
    let asha = spec.earlyStopping.map(ASHA.init)
    var rungValues: [String: [Double]] = [:]
    func advance() {
      let decisions = engine.advance(trials: runs.map(\.trial))
      var front: [Int] = []
      for decision in decisions {
        switch decision {
        case .enqueue(let domain, let values, let stage, let origin):
          let trial = spec.makeTrial(domain: domain, index: 0, values: values, stage: stage)
          guard ids.insert(trial.id).inserted else { continue }
          runs.append(
            RunTrial(
              trial: StrategyTrial(
                id: trial.id, domain: domain, values: values, stage: stage, origin: origin, state: .pending,
                objective: nil, seconds: nil)))
          front.append(runs.count - 1)
        case .release(let domain):
          for index in runs.indices where runs[index].trial.domain == domain && runs[index].trial.state == .waiting {
            runs[index].trial.state = .pending
          }
        }
      }
      queue.insert(contentsOf: front, at: 0)
    }
    advance()
    var running: [Int] = []
    var now = 0.0
    while true {
      while running.count < workers, let next = queue.firstIndex(where: { runs[$0].trial.state == .pending }) {
        let index = queue.remove(at: next)
        runs[index].trial.state = .leased
        runs[index].started = now
        running.append(index)
      }
      guard !running.isEmpty else { break }
      // The next epoch to end among the running trials.
      var soonest = 0
      var soonestTime = Double.infinity
      for (slot, index) in running.enumerated() {
        let run = runs[index]
        let time = run.started! + Double(run.epochsRun + 1) * secondsPerEpoch(run.trial.domain, run.trial.values)
        if time < soonestTime {
          soonestTime = time
          soonest = slot
        }
      }
      now = soonestTime
      let index = running[soonest]
      runs[index].epochsRun += 1
      let epoch = runs[index].epochsRun
      let trial = runs[index].trial
      let total = epochsIndex.flatMap { trial.values[$0].numeric }.map { Int($0) } ?? 1
      let learning = curve(trial.domain, trial.values)
      var finished = false
      if epoch >= total || epoch >= learning.final.count {
        runs[index].trial.state = .succeeded
        runs[index].trial.objective = learning.final[min(epoch, learning.final.count) - 1]
        finished = true
      } else if let asha, asha.rung(reachedAt: Double(epoch), maxEpochs: total) == epoch {
        let key = "\(trial.domain)/\(trial.stage)/\(epoch)"
        let value = learning.intermediate[epoch - 1]
        let peers = rungValues[key] ?? []
        rungValues[key, default: []].append(value)
        if case .stop = asha.decide(value: value, rung: epoch, peers: peers) {
          runs[index].trial.state = .pruned
          runs[index].trial.objective = value
          finished = true
        }
      }
      if finished {
        runs[index].ended = now
        runs[index].trial.seconds = now - runs[index].started!
        running.remove(at: soonest)
        advance()
      }
    }
    return Outcome(trials: runs, makespan: now)
  }
}
