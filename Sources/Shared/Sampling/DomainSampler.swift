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
      for trial in spec.makeTrials(domain: domain, index: trials.count, values: values, stage: 0) {
        guard seen.insert(trial.id).inserted else {
          duplicates += 1
          continue
        }
        trials.append(Trial(id: trial.id, domain: domain, index: trials.count, params: trial.params, argv: trial.argv))
      }
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
    case .random, .lhs, .adaptive:
      rows =
        drawsRandomly(spec)
        ? RowStream.random(spec.space, count: count, generator: generator)
        : RowStream.latinHypercube(spec.space, count: count, generator: &generator)
    }
    return rows.lazy.map { withFirstStage(spec, $0) }
  }

  /// Whether the domain's submitted design is independent draws (`random`, or an adaptive sweep
  /// starting from `random`) rather than a Latin hypercube. ``candidates(_:domain:)`` and
  /// ``submittedDesign(_:domain:)`` both ask, so an extension continues the design that was drawn.
  static func drawsRandomly(_ spec: SweepSpec) -> Bool {
    spec.sampler == .random || (spec.sampler == .adaptive && spec.adaptive?.initial == .random)
  }

  /// A row with the first stage's overrides applied.
  static func withFirstStage(_ spec: SweepSpec, _ row: [ParameterValue]) -> [ParameterValue] {
    guard let overrides = spec.stages.first?.overrides, !overrides.isEmpty else { return row }
    return zip(spec.space, row).map { overrides[$0.0.name] ?? $0.1 }
  }

  /// The configurations the `ordinal`-th extension of `domain` adds (0 for its first), with the
  /// first stage's overrides applied: the domain's design — regenerated exactly as drawn — is
  /// continued by each of its extensions in turn (``DesignColumns/extended(by:space:generator:)``),
  /// and the last one's new points are returned. Empty for the adaptive sampler, whose engine
  /// proposes the added trials, and for a grid, which cannot grow.
  public static func extensionCandidates(_ spec: SweepSpec, domain: String, ordinal: Int) -> [[ParameterValue]] {
    let counts = spec.extensionCounts(for: domain)
    guard ordinal < counts.count, spec.sampler != .adaptive, var design = submittedDesign(spec, domain: domain) else {
      return []
    }
    var start = design.count
    for (index, added) in counts.prefix(ordinal + 1).enumerated() {
      var generator = continuationGenerator(spec, domain: domain, "extension", UInt64(index))
      start = design.count
      design = design.extended(by: added, space: spec.space, generator: &generator)
    }
    return rows(spec, design, from: start)
  }

  /// `count` configurations continuing the domain's submitted design, from a generator of their
  /// own (`transfer.refine_trials`): they fill strata its sampled trials left empty. An adaptive
  /// sweep continues its initial design the same way.
  public static func refinementCandidates(_ spec: SweepSpec, domain: String, count: Int) -> [[ParameterValue]] {
    guard let design = submittedDesign(spec, domain: domain) else { return [] }
    var generator = continuationGenerator(spec, domain: domain, "refine", 0)
    return rows(spec, design.extended(by: count, space: spec.space, generator: &generator), from: design.count)
  }

  /// The domain's design as drawn at submission, as columns (the same draws as ``candidates(_:domain:)``);
  /// nil for a grid.
  static func submittedDesign(_ spec: SweepSpec, domain: String) -> DesignColumns? {
    var generator = Xoshiro256StarStar(seed: domainSeed(spec.seed, domain))
    let count = spec.initialSampleCount(for: domain) ?? 0
    switch spec.sampler {
    case .grid: return nil
    case .random, .lhs, .adaptive:
      return drawsRandomly(spec)
        ? .random(spec.space, count: count, generator: &generator)
        : .latinHypercube(spec.space, count: count, generator: &generator)
    }
  }

  /// A generator for one continuation of a domain's design, apart from its submitted draws.
  static func continuationGenerator(_ spec: SweepSpec, domain: String, _ purpose: String, _ number: UInt64)
    -> Xoshiro256StarStar
  {
    var hash = StableHash()
    hash.combine(domainSeed(spec.seed, domain))
    hash.combine(purpose)
    hash.combine(number)
    return Xoshiro256StarStar(seed: hash.finalized)
  }

  /// The design's points from `start` on, with the first stage's overrides applied.
  static func rows(_ spec: SweepSpec, _ design: DesignColumns, from start: Int) -> [[ParameterValue]] {
    (start..<design.count).map { withFirstStage(spec, design.row($0, space: spec.space)) }
  }

  /// The seed of one domain's generator.
  public static func domainSeed(_ seed: UInt64, _ domain: String) -> UInt64 {
    var hash = StableHash()
    hash.combine(seed)
    hash.combine(domain)
    return hash.finalized
  }
}
