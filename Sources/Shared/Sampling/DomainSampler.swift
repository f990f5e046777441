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
    var seen = Set<String>()
    var trials: [Trial] = []
    var duplicates = 0
    for values in candidates(spec, domain: domain) {
      let trial = spec.makeTrial(domain: domain, index: trials.count, values: values, stage: 0)
      guard seen.insert(trial.id).inserted else {
        duplicates += 1
        continue
      }
      trials.append(trial)
    }
    return DomainSample(domain: domain, trials: trials, duplicatesRemoved: duplicates)
  }

  /// The domain's configurations in sampling order with the first stage's overrides applied,
  /// one at a time and before duplicates are removed (a configuration drawn again has the same
  /// trial id): the coordinator stores a million of them without holding them together.
  public static func candidates(_ spec: SweepSpec, domain: String) -> some Sequence<[ParameterValue]> {
    var generator = Xoshiro256StarStar(seed: domainSeed(spec.seed, domain))
    let count = spec.initialSampleCount(for: domain) ?? 0
    let rows: RowStream
    switch spec.sampler {
    case .grid: rows = RowStream.grid(spec.space)
    case .random: rows = RowStream.random(spec.space, count: count, generator: generator)
    case .lhs: rows = RowStream.latinHypercube(spec.space, count: count, generator: &generator)
    case .adaptive:
      rows =
        spec.adaptive?.initial == .random
        ? RowStream.random(spec.space, count: count, generator: generator)
        : RowStream.latinHypercube(spec.space, count: count, generator: &generator)
    }
    let names = spec.space.map(\.name)
    let overrides = spec.stages.first?.overrides ?? [:]
    return rows.lazy.map { row in
      overrides.isEmpty ? row : zip(names, row).map { overrides[$0.0] ?? $0.1 }
    }
  }

  /// The configurations the `ordinal`-th extension of `domain` adds (0 for its first), with the
  /// first stage's overrides applied: the domain's design — regenerated exactly as drawn — is
  /// continued by each of its extensions in turn (``DesignColumns/extended(by:space:generator:)``),
  /// and the last one's new points are returned. Empty for the adaptive sampler, whose engine
  /// proposes the added trials, and for a grid, which cannot grow.
  public static func extensionCandidates(_ spec: SweepSpec, domain: String, ordinal: Int) -> [[ParameterValue]] {
    let counts = spec.extensionCounts(for: domain)
    guard ordinal < counts.count else { return [] }
    var generator = Xoshiro256StarStar(seed: domainSeed(spec.seed, domain))
    let count = spec.initialSampleCount(for: domain) ?? 0
    var design: DesignColumns
    switch spec.sampler {
    case .grid, .adaptive: return []
    case .random: design = .random(spec.space, count: count, generator: &generator)
    case .lhs: design = .latinHypercube(spec.space, count: count, generator: &generator)
    }
    var start = design.count
    for (index, added) in counts.prefix(ordinal + 1).enumerated() {
      var hash = StableHash()
      hash.combine(domainSeed(spec.seed, domain))
      hash.combine("extension")
      hash.combine(UInt64(index))
      var extensionGenerator = Xoshiro256StarStar(seed: hash.finalized)
      start = design.count
      design = design.extended(by: added, space: spec.space, generator: &extensionGenerator)
    }
    let overrides = spec.stages.first?.overrides ?? [:]
    return (start..<design.count).map { index in
      let row = design.row(index, space: spec.space)
      return overrides.isEmpty ? row : zip(spec.space, row).map { overrides[$0.0.name] ?? $0.1 }
    }
  }

  /// The seed of one domain's generator.
  public static func domainSeed(_ seed: UInt64, _ domain: String) -> UInt64 {
    var hash = StableHash()
    hash.combine(seed)
    hash.combine(domain)
    return hash.finalized
  }
}
