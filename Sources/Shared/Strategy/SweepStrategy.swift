/// One stage of a multi-stage sweep: the first stage runs the sampled trials, every later stage
/// re-runs the `topK` best configurations of the stage before it with `overrides` applied
/// (e.g. `epochs: 15` after a screen at `epochs: 3`).
public struct Stage: Hashable, Sendable {
  public var name: String
  /// Parameter values this stage sets on every one of its trials, by parameter name.
  public var overrides: [String: ParameterValue]
  /// How many of the previous stage's best configurations this stage runs; `nil` for the first stage.
  public var topK: Int?
  /// Runs of each configuration in this stage (`replicates:` of the stage); nil: the sweep's.
  public var replicates: Int? = nil

  public init(name: String, overrides: [String: ParameterValue], topK: Int?, replicates: Int? = nil) {
    self.name = name
    self.overrides = overrides
    self.topK = topK
    self.replicates = replicates
  }
}

/// Asynchronous successive halving (ASHA, Li et al. 2020) as early stopping: at rungs of
/// `minEpochs × reductionFactor^k` epochs, a trial whose intermediate metric is not in the best
/// 1/`reductionFactor` of the trials seen at that rung is stopped.
public struct EarlyStopping: Hashable, Sendable {
  public var metric: String
  public var goal: Objective.Goal
  public var minEpochs: Int
  public var reductionFactor: Int
  /// A rung judges nobody until this many trials have reached it, so the first arrivals are not
  /// stopped against too few peers.
  public var minTrialsPerRung: Int
  /// The parameter that holds a trial's total epochs, which bounds its rungs.
  public var epochsParameter: String

  public init(
    metric: String, goal: Objective.Goal, minEpochs: Int, reductionFactor: Int, minTrialsPerRung: Int,
    epochsParameter: String = "epochs"
  ) {
    self.metric = metric
    self.goal = goal
    self.minEpochs = minEpochs
    self.reductionFactor = reductionFactor
    self.minTrialsPerRung = minTrialsPerRung
    self.epochsParameter = epochsParameter
  }
}

/// Seeding target domains with the best configurations of a source domain.
public struct Transfer: Hashable, Sendable {
  public var source: String
  public var topK: Int
  /// The domains that receive the configurations: every other domain.
  public var targets: [String]
  /// When the transfer did not hold in a target, that many more of its own trials; nil: never.
  public var refine: Refinement? = nil

  /// `refine_if_worse_by` and `refine_trials`: a target whose best transferred configuration
  /// trails its own screening best (or, with no trials of its own, the source's best) by more
  /// than `margin` gets `trials` more of its own, once.
  public struct Refinement: Hashable, Sendable {
    public var margin: Double
    public var trials: Int

    public init(margin: Double, trials: Int) {
      self.margin = margin
      self.trials = trials
    }
  }

  public init(source: String, topK: Int, targets: [String], refine: Refinement? = nil) {
    self.source = source
    self.topK = topK
    self.targets = targets
    self.refine = refine
  }
}

/// Whether a transfer held in one target: its best transferred configuration against what the
/// domain found on its own, or against the source's best when it ran nothing of its own.
public struct TransferVerdict: Hashable, Sendable {
  public enum Reference: String, Hashable, Sendable {
    /// The target's own screening best.
    case own
    /// The source's best (the target ran only transferred configurations).
    case source
  }

  public var transferredBest: Double
  public var reference: Reference
  public var referenceBest: Double
  /// How much worse the transferred best is (positive: worse), in the objective's units.
  public var shortfall: Double
  public var held: Bool

  /// Nil while there is nothing to compare: no transferred result, or no reference.
  public init?(
    transferred: [Double], own: [Double], source: [Double], margin: Double, goal: Objective.Goal
  ) {
    let best: ([Double]) -> Double? = { values in goal == .maximize ? values.max() : values.min() }
    guard let transferredBest = best(transferred) else { return nil }
    let reference: Reference
    let referenceBest: Double
    if let ownBest = best(own) {
      (reference, referenceBest) = (.own, ownBest)
    } else if let sourceBest = best(source) {
      (reference, referenceBest) = (.source, sourceBest)
    } else {
      return nil
    }
    self.transferredBest = transferredBest
    self.reference = reference
    self.referenceBest = referenceBest
    shortfall = goal == .maximize ? referenceBest - transferredBest : transferredBest - referenceBest
    held = shortfall <= margin
  }
}

/// `sampler: adaptive`: an initial design, then configurations proposed one by one by expected
/// improvement per expected second of a Gaussian-process surrogate.
public struct AdaptiveSampling: Hashable, Sendable {
  /// How the initial design is drawn: `lhs` or `random`.
  public var initial: SamplerKind
  public var initialTrials: Int
  /// Proposals that may be queued or running at once (set it near the number of workers).
  public var parallel: Int
  /// Earlier sweeps whose results also train the surrogate, with the domain as a feature.
  public var warmStart: [String]

  public init(initial: SamplerKind, initialTrials: Int, parallel: Int, warmStart: [String]) {
    self.initial = initial
    self.initialTrials = initialTrials
    self.parallel = parallel
    self.warmStart = warmStart
  }

  public static let defaultInitialTrials = 10
  public static let defaultParallel = 4
}

extension SweepSpec {
  /// The first stage's name, or `nil` for a sweep without stages.
  public var firstStageName: String? { stages.first?.name }

  /// Whether results arriving may create trials or stop running ones; a plain sweep skips the
  /// strategy engine entirely.
  public var hasStrategies: Bool {
    stages.count > 1 || earlyStopping != nil || transfer != nil || sampler == .adaptive
  }

  /// Index of a stage by name (0 when the sweep has no stages).
  public func stageIndex(_ name: String?) -> Int {
    guard let name else { return 0 }
    return stages.firstIndex { $0.name == name } ?? 0
  }

  /// Whether `domain` waits for the transfer source before its own trials may run.
  public func isTransferTarget(_ domain: String) -> Bool {
    transfer.map { $0.targets.contains(domain) } == true
  }

  /// How many trials the sampler draws for `domain` when the sweep is submitted: the whole grid,
  /// `trials_per_domain` (or, for a domain an extension added, the count it gave), the adaptive
  /// initial design, less what a transfer brings in. Later extensions are not included.
  public func initialSampleCount(for domain: String) -> Int? {
    let transferred = isTransferTarget(domain) ? (transfer?.topK ?? 0) : 0
    let perDomain = addingExtension(of: domain)?.newDomainTrials ?? trialsPerDomain
    switch sampler {
    case .grid: return nil
    case .random, .lhs: return max(0, (perDomain ?? 0) - transferred)
    case .adaptive:
      let total = perDomain ?? 0
      return max(0, min(adaptive?.initialTrials ?? AdaptiveSampling.defaultInitialTrials, total - transferred))
    }
  }
}
