/// A validated sweep: what to train, over which space, how to sample it, and what it may cost.
///
/// Only ``SpecDecoder`` makes one, so every instance has passed validation.
public struct SweepSpec: Hashable, Sendable {
  public var name: String
  /// The hard cap on money spent on paid workers; zero means free workers only.
  public var budget: MicroDollars
  public var objective: Objective
  public var domains: [String]
  public var seed: UInt64
  public var sampler: SamplerKind
  /// Trials per domain for `random` and `lhs`; `nil` for `grid`, which takes the whole product.
  public var trialsPerDomain: Int?
  /// Trials handed out together in one lease.
  public var shardSize: Int
  /// Attempts per trial before it is failed.
  public var maxAttempts: Int
  /// Wall-clock limit of one attempt, if any.
  public var trialTimeout: Duration?
  /// Expected duration of one trial, used to reserve budget before real durations are known.
  public var estimatedTrialDuration: Duration
  public var command: CommandTemplate
  public var space: [Parameter]
  /// The largest number of trials this sweep may have (guards against a mistyped grid).
  public var maxTrials: Int
  /// Stages in order (screen, final, …); empty for a one-stage sweep.
  public var stages: [Stage] = []
  /// ASHA early stopping on intermediate metrics, if configured.
  public var earlyStopping: EarlyStopping? = nil
  /// Seeding target domains with a source domain's best configurations, if configured.
  public var transfer: Transfer? = nil
  /// The settings of `sampler: adaptive`.
  public var adaptive: AdaptiveSampling? = nil
  /// The folder trials run in, relative to the worker's `--workdir` (or absolute); nil: the workdir itself.
  public var workdir: String? = nil
  /// When the sweep pauses itself because every attempt so far failed the same way quickly; nil: never.
  public var failureGuard: FailureGuard? = .default
  /// Which output folders come home to the coordinator (`artifacts:`).
  public var artifacts: ArtifactPolicy = .default
  /// The price of one trial when trials are priced per job (a fine-tuning API), from
  /// `estimate.cost_usd_per_trial` or per-token pricing: reserved with each lease, charged as the
  /// trial reports `cost_usd` (its declared price when it reports none); nil: machine time only.
  public var trialPrice: TrialPrice? = nil
  /// Runs of each configuration, each with its own seed (`{seed}`, `SWEEP_SEED`); 1: once.
  public var replicates: Int = 1
  /// What `sweep extend` added since the spec was submitted, in order; applied by
  /// ``applying(_:)``. Never read from the spec file.
  public var extensions: [SweepExtension] = []

  /// Placeholder names a command may use besides parameter names.
  public static let builtinPlaceholders: Set<String> = ["domain", "trial_id", "output_dir"]

  /// Keys of the flat results record; parameters and metrics may not take these names.
  public static let reservedNames: Set<String> = [
    "domain", "trial_id", "sweep", "status", "attempt", "duration_s", "worker", "provider",
    "hourly_cost_usd", "started_at", "finished_at", "cost", "timestamp", "stage", "params", "metrics", "origin",
    "error", "exit_code", "stderr_tail",
  ]

  public static let defaultShardSize = 1
  public static let defaultMaxAttempts = 3
  public static let defaultMaxTrials = 1_000_000
  public static let defaultMinutesPerTrial = 25.0
}

/// What the sweep optimises.
public struct Objective: Hashable, Sendable, Codable {
  public var metric: String
  public var goal: Goal

  public init(metric: String, goal: Goal) {
    self.metric = metric
    self.goal = goal
  }

  public enum Goal: String, Hashable, Sendable, Codable, CaseIterable {
    case maximize
    case minimize
  }

  /// Whether `a` is a better objective value than `b`.
  public func isBetter(_ a: Double, than b: Double) -> Bool {
    goal == .maximize ? a > b : a < b
  }
}

/// How trials are drawn from the search space.
public enum SamplerKind: String, Hashable, Sendable, Codable, CaseIterable {
  /// Every combination of every parameter's values.
  case grid
  /// Independent draws, seeded.
  case random
  /// Latin hypercube: each parameter's range cut into n equal-probability strata, one sample each.
  case lhs
  /// An initial design, then proposals of a surrogate model by expected improvement per second.
  case adaptive
}
