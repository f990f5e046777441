/// One domain's trials, after duplicates were removed.
public struct DomainSample: Hashable, Sendable {
  public var domain: String
  public var trials: [Trial]
  /// Configurations drawn more than once and dropped (a small discrete space, or a lucky draw).
  public var duplicatesRemoved: Int
}

/// Turns a spec into trials, deterministically: the same spec always gives the same trials, in
/// the same order, with the same ids — so a restarted coordinator regenerates exactly what it had.
public enum DomainSampler {
  /// The trials of one domain. Each domain draws from its own generator, seeded from the spec's
  /// seed and the domain name, so adding or reordering domains does not change the others.
  public static func sample(_ spec: SweepSpec, domain: String) -> DomainSample {
    var generator = Xoshiro256StarStar(seed: domainSeed(spec.seed, domain))
    let rows: [[ParameterValue]]
    switch spec.sampler {
    case .grid: rows = Samplers.grid(spec.space)
    case .random:
      rows = Samplers.random(spec.space, count: spec.initialSampleCount(for: domain) ?? 0, generator: &generator)
    case .lhs:
      rows = Samplers.latinHypercube(
        spec.space, count: spec.initialSampleCount(for: domain) ?? 0, generator: &generator)
    case .adaptive:
      let count = spec.initialSampleCount(for: domain) ?? 0
      rows =
        spec.adaptive?.initial == .random
        ? Samplers.random(spec.space, count: count, generator: &generator)
        : Samplers.latinHypercube(spec.space, count: count, generator: &generator)
    }
    var seen = Set<String>()
    var trials: [Trial] = []
    trials.reserveCapacity(rows.count)
    var duplicates = 0
    let names = spec.space.map(\.name)
    let stage = spec.stages.first
    for row in rows {
      let values = stage.map { stage in zip(names, row).map { stage.overrides[$0.0] ?? $0.1 } } ?? row
      let trial = spec.makeTrial(domain: domain, index: trials.count, values: values, stage: 0)
      guard seen.insert(trial.id).inserted else {
        duplicates += 1
        continue
      }
      trials.append(trial)
    }
    return DomainSample(domain: domain, trials: trials, duplicatesRemoved: duplicates)
  }

  /// The seed of one domain's generator.
  public static func domainSeed(_ seed: UInt64, _ domain: String) -> UInt64 {
    var hash = StableHash()
    hash.combine(seed)
    hash.combine(domain)
    return hash.finalized
  }
}
