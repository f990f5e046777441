import CommandLineSupport
import Coordinator
import Foundation
import ReferenceTraining
import Shared
import SpecReading
import Synchronization

/// The strategy study of docs/strategies.md: every strategy on the reference trainer's learning
/// curves, for several domains and seeds, on virtual time (``StrategyRunner`` runs them through
/// the coordinator's own scheduler). The ground truth is the full grid trained for 15 epochs.
public struct StrategyStudy: Sendable {
  public struct Options: Sendable {
    public var seeds: [UInt64]
    public var domains: [String]
    public var workers: Int
    public var trialsPerDomain: Int
    /// A strategy has reached the grid's best when it has a result at least (1 − tolerance) × that best.
    public var tolerance: Double
    /// The fixed budget, as a fraction of the grid's cost, for "best within budget".
    public var budgetFraction: Double
    /// Only these strategies (by name), or all of them.
    public var strategies: Set<String>?

    public init(
      seeds: [UInt64] = [1, 2, 3, 4, 5], domains: [String] = ["financial", "legal", "medical"], workers: Int = 4,
      trialsPerDomain: Int = 30, tolerance: Double = 0.005, budgetFraction: Double = 0.25,
      strategies: Set<String>? = nil
    ) {
      self.strategies = strategies
      self.seeds = seeds
      self.domains = domains
      self.workers = workers
      self.trialsPerDomain = trialsPerDomain
      self.tolerance = tolerance
      self.budgetFraction = budgetFraction
    }
  }

  /// One strategy's figures over every (seed, domain) pair.
  public struct Row: Sendable {
    public var strategy: String
    public var pairs: Int
    public var reached: Int
    /// Median over pairs of the cost to reach the grid's best within the tolerance, as a fraction
    /// of the grid's cost; `nil` when fewer than half the pairs reached it.
    public var medianCostToReach: Double?
    /// The largest cost to reach over the pairs that reached it.
    public var worstCostToReach: Double?
    /// Mean best accuracy with at most `budgetFraction` of the grid's cost spent.
    public var meanBestWithinBudget: Double
    /// Mean best accuracy at the end.
    public var meanBest: Double
    /// Mean cost of the whole run as a fraction of the grid's.
    public var meanCost: Double
    public var meanTrials: Double
    /// Wall time of the strategy code (engine, surrogate, ASHA) per trial run, in milliseconds.
    public var millisecondsPerTrial: Double
  }

  /// Mean best accuracy of LHS and random at one trial count.
  public struct SamplerComparison: Sendable {
    public var trials: Int
    public var lhs: Double
    public var random: Double
  }

  public struct Report: Sendable {
    public var options: Options
    public var gridBest: [String: Double]
    public var gridCost: [String: Double]
    public var rows: [Row]
    public var samplers: [SamplerComparison]
    /// The ground truth: every grid configuration's learning curve, by domain and values.
    public var curves: [String: LearningCurve]
  }

  public let options: Options
  /// The ground truth: a configuration's learning curve (values: rank, alpha, weight_decay,
  /// epochs). `nil` trains the reference trainer on every grid configuration.
  let truth: (@Sendable (String, [ParameterValue]) -> LearningCurve)?

  public init(options: Options = Options(), truth: (@Sendable (String, [ParameterValue]) -> LearningCurve)? = nil) {
    self.options = options
    self.truth = truth
  }

  /// The study's space: the cost study's grid shape (5 ranks × 5 alphas × 6 weight decays), and
  /// the reference trainer with its default cosine learning-rate schedule.
  static let space = """
    space:
      rank: [1, 2, 4, 8, 16]
      alpha: [2, 4, 8, 16, 32]
      weight_decay: [1.0e-5, 1.0e-4, 1.0e-3, 3.0e-3, 1.0e-2, 3.0e-2]
      epochs: 15
    command: [sweep-worker, reference-train, --domain, "{domain}", --rank, "{rank}", --alpha, "{alpha}",
              --weight-decay, "{weight_decay}", --epochs, "{epochs}", --seed, "7"]
    """
  static let finalEpochs = 15

  /// The strategies compared, as spec keys on top of the common part.
  static func strategies(trials: Int, workers: Int, source: String) -> [(name: String, keys: String)] {
    func asha(_ minEpochs: Int) -> String {
      "early_stopping: {method: asha, metric: accuracy, min_epochs: \(minEpochs), reduction_factor: 3}"
    }
    func adaptive(_ count: Int) -> String {
      "sampler: adaptive\ntrials_per_domain: \(count)\nadaptive: {initial: lhs, initial_trials: 10, parallel: \(workers)}"
    }
    // ASHA stops most trials after a few epochs, so at the same spend it can afford more of them:
    // the ASHA rows run 3× the trials (the reduction factor) as well as the same number.
    let more = min(150, 3 * trials)
    return [
      ("grid", "sampler: grid"),
      ("random", "sampler: random\ntrials_per_domain: \(trials)"),
      ("lhs", "sampler: lhs\ntrials_per_domain: \(trials)"),
      (
        "lhs + two stages",
        "sampler: lhs\ntrials_per_domain: \(trials)\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 3}]"
      ),
      ("lhs + asha", "sampler: lhs\ntrials_per_domain: \(trials)\n\(asha(1))"),
      ("lhs + asha, \(more) trials", "sampler: lhs\ntrials_per_domain: \(more)\n\(asha(1))"),
      ("adaptive", adaptive(trials)),
      ("adaptive + asha", "\(adaptive(trials))\n\(asha(1))"),
      ("adaptive + asha, \(more) trials", "\(adaptive(more))\n\(asha(1))"),
      ("adaptive + asha(3), \(more) trials", "\(adaptive(more))\n\(asha(3))"),
      ("adaptive + asha + transfer", "\(adaptive(more))\n\(asha(1))\ntransfer: {from: \(source), top_k: 5}"),
    ]
  }

  func spec(_ name: String, keys: String, seed: UInt64) throws -> SweepSpec {
    let text = """
      name: study
      seed: \(seed)
      domains: [\(options.domains.joined(separator: ", "))]
      objective: {metric: accuracy, goal: maximize}
      \(keys)
      \(Self.space)
      """
    return try SpecDecoder.decode(text, file: "strategy study (\(name))")
  }

  /// Paid-equivalent seconds per epoch: the cost study's 5 minutes an epoch on a rented GPU for a
  /// 768-example domain, proportional to the domain's data, a little more for larger ranks.
  /// Values follow the study's space: rank, alpha, weight_decay, epochs.
  static func secondsPerEpoch(domain: String, values: [ParameterValue]) -> Double {
    let rank = values[0].numeric ?? 8
    return 300 * Double(ReferenceTrainer.trainSize(domain: domain)) / 768 * (1 + rank / 64)
  }

  public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
    let grid = try spec("grid", keys: "sampler: grid", seed: 0)
    let curves: [String: LearningCurve]
    if let truth {
      curves = Dictionary(
        Self.jobs(for: grid).map { (Self.curveKey($0.0, $0.1), truth($0.0, $0.1)) }, uniquingKeysWith: { a, _ in a })
    } else {
      curves = await Self.curves(for: grid, progress: progress)
    }
    let curve: (String, [ParameterValue]) -> LearningCurve = { domain, values in
      curves[Self.curveKey(domain, values)] ?? LearningCurve(intermediate: [0], final: [0])
    }
    var gridBest: [String: Double] = [:]
    var gridCost: [String: Double] = [:]
    for sample in SweepPlan(spec: grid).samples {
      gridBest[sample.domain] = sample.trials.map { curve(sample.domain, $0.params.map(\.value)).final.last ?? 0 }.max()
      gridCost[sample.domain] = sample.trials.reduce(0) {
        $0 + Double(Self.finalEpochs) * Self.secondsPerEpoch(domain: sample.domain, values: $1.params.map(\.value))
      }
    }
    var rows: [Row] = []
    for (name, keys) in Self.strategies(
      trials: options.trialsPerDomain, workers: options.workers, source: options.domains[0])
    where options.strategies?.contains(name) ?? true {
      progress("strategy \(name)")
      var costs: [Double] = []
      var withinBudget: [Double] = []
      var bests: [Double] = []
      var totals: [Double] = []
      var trialCounts: [Double] = []
      let seeds = name == "grid" ? [options.seeds[0]] : options.seeds
      var elapsed = Duration.zero
      var ran = 0
      for seed in seeds {
        let runner = StrategyRunner(
          spec: try spec(name, keys: keys, seed: seed), workers: options.workers, curve: curve,
          secondsPerEpoch: Self.secondsPerEpoch)
        let started = ContinuousClock.now
        let outcome = try await runner.run()
        elapsed += ContinuousClock.now - started
        ran += outcome.trials.filter { $0.started != nil }.count
        for domain in options.domains {
          let target = (gridBest[domain] ?? 0) * (1 - options.tolerance)
          let full = gridCost[domain] ?? 1
          let finishes = outcome.finishes(domain)
          costs.append(finishes.first { $0.objective >= target }.map { $0.spent / full } ?? .infinity)
          withinBudget.append(finishes.filter { $0.spent <= options.budgetFraction * full }.map(\.objective).max() ?? 0)
          bests.append(finishes.map(\.objective).max() ?? 0)
          totals.append(outcome.spent(domain, by: outcome.makespan) / full)
          trialCounts.append(Double(outcome.trials.filter { $0.trial.domain == domain && $0.started != nil }.count))
        }
      }
      let sorted = costs.sorted()
      let median =
        sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
      rows.append(
        Row(
          strategy: name, pairs: costs.count, reached: costs.filter(\.isFinite).count,
          medianCostToReach: median.isFinite ? median : nil, worstCostToReach: costs.filter(\.isFinite).max(),
          meanBestWithinBudget: Self.mean(withinBudget),
          meanBest: Self.mean(bests), meanCost: Self.mean(totals), meanTrials: Self.mean(trialCounts),
          millisecondsPerTrial: ran == 0 ? 0 : Self.milliseconds(elapsed) / Double(ran)))
    }
    var samplers: [SamplerComparison] = []
    for count in [5, 10, 20, 30] {
      var lhs: [Double] = []
      var random: [Double] = []
      for seed in options.seeds {
        for (kind, into) in [("lhs", 0), ("random", 1)] {
          let outcome = try await StrategyRunner(
            spec: try spec(kind, keys: "sampler: \(kind)\ntrials_per_domain: \(count)", seed: seed),
            workers: options.workers, curve: curve, secondsPerEpoch: Self.secondsPerEpoch
          ).run()
          for domain in options.domains {
            let best = outcome.finishes(domain).map(\.objective).max() ?? 0
            if into == 0 { lhs.append(best) } else { random.append(best) }
          }
        }
      }
      samplers.append(SamplerComparison(trials: count, lhs: Self.mean(lhs), random: Self.mean(random)))
    }
    return Report(
      options: options, gridBest: gridBest, gridCost: gridCost, rows: rows, samplers: samplers, curves: curves)
  }

  static func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
  }

  static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

  /// Curves are keyed by domain and every value, epochs included: with the cosine schedule a
  /// 3-epoch run is its own run, not the start of a 15-epoch one.
  static func curveKey(_ domain: String, _ values: [ParameterValue]) -> String {
    domain + "|" + values.map(\.canonical).joined(separator: ",")
  }

  /// Epochs a trial of the study can have: the full training and the two-stage screen.
  static let trainedEpochs = [finalEpochs, 3]

  /// Every (domain, configuration with its epochs) the study may run.
  static func jobs(for grid: SweepSpec) -> [(String, [ParameterValue])] {
    SweepPlan(spec: grid).samples.flatMap { sample in
      sample.trials.flatMap { trial in
        trainedEpochs.map { epochs in
          (sample.domain, Array(trial.params.map(\.value).prefix(3)) + [ParameterValue.int(Int64(epochs))])
        }
      }
    }
  }

  /// Trains every grid configuration once for each of `trainedEpochs`, on all cores.
  static func curves(for grid: SweepSpec, progress: @Sendable (String) -> Void) async -> [String: LearningCurve] {
    let jobs = jobs(for: grid)
    let lanes = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    progress("training \(jobs.count) reference curves on \(lanes) thread(s)")
    return await withTaskGroup(of: [(String, LearningCurve)].self) { group in
      for lane in 0..<lanes {
        let mine = stride(from: lane, to: jobs.count, by: lanes).map { jobs[$0] }
        group.addTask {
          mine.map { domain, values in
            let trainer = ReferenceTrainer(
              domain: domain, rank: Int(values[0].numeric ?? 8), alpha: values[1].numeric ?? 16,
              weightDecay: values[2].numeric ?? 0, learningRate: 0.01, epochs: Int(values[3].numeric ?? 15), seed: 7)
            let points = trainer.curve()
            return (
              curveKey(domain, values), LearningCurve(intermediate: points.map(\.validation), final: points.map(\.test))
            )
          }
        }
      }
      var result: [String: LearningCurve] = [:]
      for await chunk in group { for (key, value) in chunk { result[key] = value } }
      return result
    }
  }
}
