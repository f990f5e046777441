extension SweepSpec {
  /// The stage whose runs `sweep analyze` tests with replicates: the last stage with replicated
  /// records (the finalists, when only a later stage replicates), else the first.
  public func replicatedStage(in records: [AnalysisRecord]) -> String? {
    let replicated = Set(records.filter { $0.replicate != nil }.map { $0.stage ?? "" })
    return stages.last { replicated.contains($0.name) }?.name ?? stages.first?.name
  }
}

/// `sweep analyze` on a sweep whose configurations ran several times (`replicates:`): statistics
/// from the replicates themselves, not from a model. Per configuration the mean and a 95%
/// Student-t interval; the best against the next ones by paired t-tests (replicate k of each ran
/// on the same seed), Holm-corrected for testing several; parameter importance with a bootstrap
/// interval over configurations.
public struct ReplicateAnalysis: Sendable {
  public struct Configuration: Sendable {
    public var values: [ParameterValue]
    /// Objective by replicate index.
    public var runs: [Int: Double]
    public var mean: Double
    public var standardDeviation: Double?
    /// 95% interval of the configuration's true mean; nil with one run.
    public var interval: (lower: Double, upper: Double)?
  }

  public struct Comparison: Sendable {
    /// Index into ``configurations``.
    public var other: Int
    public var pairs: Int
    /// Best minus other, averaged over paired replicates.
    public var meanDifference: Double
    public var t: Double?
    public var pValue: Double?
    /// Holm-adjusted over all the comparisons made.
    public var adjustedPValue: Double?
  }

  public struct Importance: Sendable {
    public var name: String
    public var share: Double
    /// 2.5–97.5% of the share over bootstrap resamples of the configurations.
    public var interval: (lower: Double, upper: Double)
  }

  /// Best first (by mean).
  public var configurations: [Configuration]
  public var comparisons: [Comparison]
  public var importance: [Importance]

  /// From one domain's records of `stage` (the first stage when nil); nil unless some
  /// configuration has at least two runs there.
  public init?(
    spec: SweepSpec, records: [AnalysisRecord], domain: String, stage: String? = nil, compareWith others: Int = 4,
    bootstrap: Int = 500, seed: UInt64 = 1
  ) {
    let first = stage ?? spec.stages.first?.name
    var groups: [String: Configuration] = [:]
    var order: [String] = []
    for record in records
    where record.domain == domain && record.stage == first && record.status == TrialState.succeeded.rawValue {
      guard let objective = record.objective else { continue }
      let key = zip(spec.space, record.values).map { "\($0.0.name)=\($0.1.canonical)" }.joined(separator: ",")
      if groups[key] == nil {
        order.append(key)
        groups[key] = Configuration(values: record.values, runs: [:], mean: 0, standardDeviation: nil, interval: nil)
      }
      groups[key]!.runs[record.replicate ?? groups[key]!.runs.count] = objective
    }
    guard groups.values.contains(where: { $0.runs.count >= 2 }) else { return nil }
    var configurations = order.map { key -> Configuration in
      var configuration = groups[key]!
      let values = Array(configuration.runs.values)
      let n = Double(values.count)
      configuration.mean = values.reduce(0, +) / n
      if values.count >= 2 {
        let variance = values.reduce(0) { $0 + ($1 - configuration.mean) * ($1 - configuration.mean) } / (n - 1)
        let sd = variance.squareRoot()
        let half = Distributions.studentTQuantile(0.975, df: n - 1) * sd / n.squareRoot()
        configuration.standardDeviation = sd
        configuration.interval = (configuration.mean - half, configuration.mean + half)
      }
      return configuration
    }
    let goal = spec.objective.goal
    configurations = configurations.enumerated().sorted { a, b in
      if a.element.mean != b.element.mean { return spec.objective.isBetter(a.element.mean, than: b.element.mean) }
      return a.offset < b.offset
    }.map(\.element)
    self.configurations = configurations

    var comparisons: [Comparison] = []
    let best = configurations[0]
    for index in configurations.indices.dropFirst().prefix(others) {
      let other = configurations[index]
      let paired = best.runs.keys.filter { other.runs[$0] != nil }.sorted()
      // Oriented so that a positive difference favours the best, for either goal.
      let differences = paired.map { k in
        goal == .maximize ? best.runs[k]! - other.runs[k]! : other.runs[k]! - best.runs[k]!
      }
      var comparison = Comparison(
        other: index, pairs: differences.count,
        meanDifference: differences.isEmpty ? 0 : differences.reduce(0, +) / Double(differences.count), t: nil,
        pValue: nil, adjustedPValue: nil)
      if differences.count >= 2 {
        let n = Double(differences.count)
        let mean = comparison.meanDifference
        let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        // The same difference on every seed (up to rounding) leaves no noise to test against.
        if variance.squareRoot() > 1e-12 * max(1, abs(mean)) {
          let t = mean / (variance / n).squareRoot()
          comparison.t = t
          comparison.pValue = Distributions.studentTTwoSided(t, df: n - 1)
        } else {
          comparison.pValue = mean == 0 ? 1 : 0
        }
      }
      comparisons.append(comparison)
    }
    let tested = comparisons.indices.filter { comparisons[$0].pValue != nil }
    for (index, adjusted) in zip(tested, Distributions.holm(tested.map { comparisons[$0].pValue! })) {
      comparisons[index].adjustedPValue = adjusted
    }
    self.comparisons = comparisons

    // Importance on configuration means, resampled over configurations.
    let columns = spec.space.indices.map { p in configurations.map { $0.values[p] } }
    let means = configurations.map(\.mean)
    let shares = PlotMath.importance(parameters: columns, objectives: means)
    var generator = Xoshiro256StarStar(seed: seed)
    var draws = Array(repeating: [Double](), count: spec.space.count)
    for _ in 0..<bootstrap {
      let pick = (0..<configurations.count).map { _ in generator.nextIndex(below: configurations.count) }
      let resampled = PlotMath.importance(
        parameters: columns.map { c in pick.map { c[$0] } }, objectives: pick.map { means[$0] })
      for (p, share) in resampled.enumerated() { draws[p].append(share) }
    }
    importance = spec.space.indices.map { p in
      Importance(
        name: spec.space[p].name, share: shares[p],
        interval: draws[p].isEmpty
          ? (shares[p], shares[p]) : (Statistics.quantile(draws[p], 0.025), Statistics.quantile(draws[p], 0.975)))
    }
  }
}

/// Whether the best configuration differs between domains: a two-way analysis of variance
/// (configuration × domain, with replicates) on the configurations every compared domain ran at
/// least twice; a significant interaction means the ranking of configurations changes with the
/// domain. Balanced: each cell uses the same number of runs, the lowest replicate indices.
public struct DomainInteraction: Sendable {
  public var domains: [String]
  public var configurations: Int
  public var runsPerCell: Int
  public var f: Double
  public var df: (interaction: Int, error: Int)
  public var pValue: Double
  /// Each domain's best of the shared configurations (values, mean).
  public var bestPerDomain: [(domain: String, values: [ParameterValue], mean: Double)]

  public init?(spec: SweepSpec, records: [AnalysisRecord], domains: [String], stage: String? = nil) {
    guard domains.count >= 2 else { return nil }
    let first = stage ?? spec.stages.first?.name
    // cell[config key][domain] = runs by replicate
    var cells: [String: [String: [Int: Double]]] = [:]
    var valuesByKey: [String: [ParameterValue]] = [:]
    for record in records
    where domains.contains(record.domain) && record.stage == first
      && record.status == TrialState.succeeded.rawValue
    {
      guard let objective = record.objective, let replicate = record.replicate else { continue }
      let key = zip(spec.space, record.values).map { "\($0.0.name)=\($0.1.canonical)" }.joined(separator: ",")
      valuesByKey[key] = record.values
      cells[key, default: [:]][record.domain, default: [:]][replicate] = objective
    }
    let shared = cells.keys.sorted().filter { key in domains.allSatisfy { (cells[key]?[$0]?.count ?? 0) >= 2 } }
    guard shared.count >= 2 else { return nil }
    let r = shared.flatMap { key in domains.map { cells[key]![$0]!.count } }.min()!
    // x[i][j] = the first r runs of configuration i in domain j.
    let x = shared.map { key in
      domains.map { domain in Array(cells[key]![domain]!.sorted { $0.key < $1.key }.prefix(r).map(\.value)) }
    }
    let a = Double(shared.count)
    let b = Double(domains.count)
    let n = Double(r)
    let cellMeans = x.map { row in row.map { $0.reduce(0, +) / n } }
    let rowMeans = cellMeans.map { $0.reduce(0, +) / b }
    let columnMeans = domains.indices.map { j in cellMeans.reduce(0) { $0 + $1[j] } / a }
    let grand = rowMeans.reduce(0, +) / a
    var interaction = 0.0
    var error = 0.0
    for i in x.indices {
      for j in domains.indices {
        let effect = cellMeans[i][j] - rowMeans[i] - columnMeans[j] + grand
        interaction += n * effect * effect
        for value in x[i][j] { error += (value - cellMeans[i][j]) * (value - cellMeans[i][j]) }
      }
    }
    let dfInteraction = Int((a - 1) * (b - 1))
    let dfError = Int(a * b * (n - 1))
    guard dfError > 0, error > 0 else { return nil }
    self.domains = domains
    configurations = shared.count
    runsPerCell = r
    f = (interaction / Double(dfInteraction)) / (error / Double(dfError))
    df = (dfInteraction, dfError)
    pValue = Distributions.fSurvival(f, d1: Double(dfInteraction), d2: Double(dfError))
    bestPerDomain = domains.indices.map { j in
      let best = x.indices.max { spec.objective.isBetter(cellMeans[$1][j], than: cellMeans[$0][j]) }!
      return (domains[j], valuesByKey[shared[best]]!, cellMeans[best][j])
    }
  }
}
