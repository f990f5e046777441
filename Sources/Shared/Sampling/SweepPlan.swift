/// Everything a spec expands to: each domain's trials and shards, and the estimated compute.
public struct SweepPlan: Sendable {
  public var spec: SweepSpec
  public var samples: [DomainSample]
  public var shards: [Shard]

  /// Samples every domain of `spec` and cuts the trials into shards.
  public init(spec: SweepSpec) {
    self.spec = spec
    self.samples = spec.domains.map { DomainSampler.sample(spec, domain: $0) }
    self.shards = samples.flatMap { Shard.make($0, size: spec.shardSize) }
  }

  public var totalTrials: Int { samples.reduce(0) { $0 + $1.trials.count } }

  /// Trials × the spec's estimated duration per trial.
  public var estimatedCompute: Duration { spec.estimatedTrialDuration * totalTrials }

  /// Estimated compute in hours, for summaries.
  public var estimatedHours: Double {
    let (seconds, attoseconds) = estimatedCompute.components
    return (Double(seconds) + Double(attoseconds) / 1e18) / 3600
  }

  /// What the estimated compute would cost at `rate`, rounded up to the micro-dollar.
  public func estimatedCost(at rate: HourlyRate) -> MicroDollars { rate.cost(of: estimatedCompute) }

  /// How many distinct configurations the space holds per domain, when it is finite and small
  /// enough to count; used to warn that `trials_per_domain` cannot be reached.
  public var distinctConfigurations: Int? {
    var total = 1
    for parameter in spec.space {
      let count: Int?
      switch parameter.kind {
      case .uniform, .logUniform: return nil
      case .values(let values): count = values.count
      case .fixed: count = 1
      case .integer(let lower, let upper, let step, _, _):
        count = ParameterKind.steppedCount(lower: lower, upper: upper, step: step)
      }
      guard let count else { return nil }
      let (product, overflow) = total.multipliedReportingOverflow(by: count)
      if overflow { return nil }
      total = product
    }
    return total
  }
}
