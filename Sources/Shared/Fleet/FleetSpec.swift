/// The machines a sweep could run on, for `sweep simulate` and `sweep plan`: groups of identical
/// workers with a price, a speed, and how often they fail or are taken away.
public struct FleetSpec: Hashable, Sendable {
  public var name: String
  public var groups: [FleetGroup]
  /// Spread of trial durations: each is the group's mean × a log-normal factor with this sigma.
  public var durationSpread: Double
  /// Seed of durations, failures and preemptions: the same seed, the same simulation.
  public var seed: UInt64
  /// A paid worker that gets no work for this long stops (like `sweep-worker --max-idle`).
  public var maxIdle: Duration
  /// A preempted machine is replaced by a new one this much later (nil: never).
  public var replacementDelay: Duration?
  /// Fine-tuning APIs priced per job, for `sweep plan` to compare (not simulated).
  public var apiOptions: [APIOption] = []
  /// Flat subscriptions, for `sweep plan` to compare (not simulated).
  public var subscriptions: [SubscriptionOption] = []
  /// `sweep fleet up`: when the sweep must be finished (nil: no deadline, rent only what is free
  /// or needed to finish at all within the budget).
  public var deadline: FleetDeadline? = nil
  /// `sweep fleet up`: how often the policy plans again with what the sweep has measured.
  public var replanEvery: Duration = .seconds(300)

  public init(
    name: String, groups: [FleetGroup], durationSpread: Double = 0.2, seed: UInt64 = 1,
    maxIdle: Duration = .seconds(600), replacementDelay: Duration? = .seconds(300)
  ) {
    self.name = name
    self.groups = groups
    self.durationSpread = durationSpread
    self.seed = seed
    self.maxIdle = maxIdle
    self.replacementDelay = replacementDelay
  }

  public var workerCount: Int { groups.reduce(0) { $0 + $1.count } }
}

/// When `sweep fleet up` must have the sweep finished.
public enum FleetDeadline: Hashable, Sendable, CustomStringConvertible {
  /// This long after `sweep fleet up` started.
  case after(Duration)
  /// At this time.
  case at(Timestamp)

  public var description: String {
    switch self {
    case .after(let duration): "\(DurationText.format(duration)) after the start"
    case .at(let time): time.iso8601
    }
  }

  /// The deadline as a time, for a fleet started at `start`.
  public func time(startedAt start: Timestamp) -> Timestamp {
    switch self {
    case .after(let duration): start + duration
    case .at(let time): time
    }
  }
}

/// Identical workers: `count` machines at `hourlyRate`, running trials `speed` times as fast as
/// the spec's estimate (or in `trialDuration`, when measured).
public struct FleetGroup: Hashable, Sendable {
  public var name: String
  public var count: Int
  public var hourlyRate: HourlyRate
  public var speed: Double
  /// The mean duration of one trial on this machine, when known; else estimate ÷ speed.
  public var trialDuration: Duration?
  /// Expected preemptions per machine-hour (spot instances); 0 for machines nobody takes away.
  public var preemptionPerHour: Double
  /// Probability that an attempt fails (a crash, an out-of-memory), independent of the trial.
  public var failureRate: Double
  /// How `sweep fleet up` starts and stops these machines; nil: machines you run yourself, which
  /// the policy counts (all `count` of them) but never starts or stops.
  public var provider: FleetProvider? = nil
  /// Shell templates that start and stop one box (the provider's defaults when nil).
  public var upCommand: String? = nil
  public var downCommand: String? = nil
  /// `{gpu}` and `{image}` in the templates: the GPU type and the container image to rent.
  public var gpu: String? = nil
  public var image: String? = nil
  /// From `up` until the box's worker can take work (the policy plans new boxes this much later).
  public var bootTime: Duration = .zero

  public init(
    name: String, count: Int, hourlyRate: HourlyRate, speed: Double = 1, trialDuration: Duration? = nil,
    preemptionPerHour: Double = 0, failureRate: Double = 0
  ) {
    self.name = name
    self.count = count
    self.hourlyRate = hourlyRate
    self.speed = speed
    self.trialDuration = trialDuration
    self.preemptionPerHour = preemptionPerHour
    self.failureRate = failureRate
  }

  /// The mean duration of one trial of a spec estimated at `estimate`.
  public func meanTrialDuration(estimate: Duration) -> Duration {
    trialDuration ?? .milliseconds(max(1, Int64((Double(estimate.wholeMilliseconds) / speed).rounded())))
  }
}
