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
    case .random: rows = Samplers.random(spec.space, count: spec.trialsPerDomain ?? 0, generator: &generator)
    case .lhs: rows = Samplers.latinHypercube(spec.space, count: spec.trialsPerDomain ?? 0, generator: &generator)
    }
    var seen = Set<String>()
    var trials: [Trial] = []
    trials.reserveCapacity(rows.count)
    var duplicates = 0
    let names = spec.space.map(\.name)
    for row in rows {
      let params = Array(zip(names, row)).map { (name: $0.0, value: $0.1) }
      let key = TrialID.canonicalKey(params)
      guard seen.insert(key).inserted else {
        duplicates += 1
        continue
      }
      let id = TrialID.make(sweep: spec.name, domain: domain, canonicalKey: key)
      var values = Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.value.canonical) })
      values["domain"] = domain
      values["trial_id"] = id
      trials.append(
        Trial(id: id, domain: domain, index: trials.count, params: params, argv: spec.command.render(values)))
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
