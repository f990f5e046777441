/// `sweep predict --holdout` and `--extension`: the surrogate fitted on some trials predicts
/// others it never saw, trial by trial, with the predictive interval, then how often the
/// intervals held, the error, the ranking and whether the true best was predicted near the top.
public struct PredictionCheck: Sendable {
  public struct Row: Sendable, Hashable {
    public var domain: String
    public var trialID: String
    public var predicted: Double
    /// 95% predictive interval for a new run of the configuration.
    public var lower: Double
    public var upper: Double
    public var actual: Double
    public var covered: Bool { lower <= actual && actual <= upper }
  }

  public var domain: String
  public var trained: Int
  public var rows: [Row]

  /// Share of held-out trials whose actual value fell inside its interval (nominal 95%).
  public var coverage: Double { Double(rows.filter(\.covered).count) / Double(max(1, rows.count)) }
  public var meanAbsoluteError: Double { Statistics.meanAbsoluteError(rows.map(\.predicted), rows.map(\.actual)) }
  public var spearman: Double? { Statistics.spearman(rows.map(\.predicted), rows.map(\.actual)) }
  /// Whether the held-out trial that truly did best is among the three predicted best.
  public let bestInPredictedTopThree: Bool

  /// Fits on `train` (≥ 3 records) and predicts `test`: first-stage succeeded records with the objective.
  public init?(spec: SweepSpec, domain: String, train: [AnalysisRecord], test: [AnalysisRecord]) {
    guard !test.isEmpty,
      let analysis = SurrogateAnalysis(
        space: spec.space, stages: spec.stages, goal: spec.objective.goal,
        observations: spec.observations(train, domain: domain))
    else { return nil }
    self.domain = domain
    trained = analysis.observations.count
    rows = test.compactMap { record in
      guard let actual = record.objective else { return nil }
      let p = analysis.predict(record.values, domain: domain)
      return Row(
        domain: domain, trialID: record.trialID, predicted: p.mean, lower: p.lower, upper: p.upper, actual: actual)
    }
    let better: (Double, Double) -> Bool = { [goal = spec.objective.goal] a, b in
      goal == .maximize ? a > b : a < b
    }
    let rows = self.rows
    let best = rows.indices.max { better(rows[$1].actual, rows[$0].actual) }
    let topThree = rows.indices.sorted { better(rows[$0].predicted, rows[$1].predicted) }.prefix(3)
    bestInPredictedTopThree = best.map { topThree.contains($0) } ?? false
  }

  /// A seeded split of one domain's usable records: `fraction` of them held out (at least one,
  /// at most all but three), the rest to fit on.
  public static func holdout(
    _ records: [AnalysisRecord], spec: SweepSpec, domain: String, fraction: Double, seed: UInt64
  ) -> (train: [AnalysisRecord], test: [AnalysisRecord]) {
    let usable = usableRecords(records, spec: spec, domain: domain)
    guard usable.count >= 4 else { return (usable, []) }
    var generator = Xoshiro256StarStar(seed: seed)
    let order = generator.permutation(of: usable.count)
    let held = min(usable.count - 3, max(1, Int((Double(usable.count) * fraction).rounded())))
    return (order.dropFirst(held).map { usable[$0] }, order.prefix(held).map { usable[$0] })
  }

  /// First-stage succeeded records of `domain` with the objective, in the order given.
  public static func usableRecords(_ records: [AnalysisRecord], spec: SweepSpec, domain: String) -> [AnalysisRecord] {
    let first = spec.stages.first?.name
    return records.filter {
      $0.domain == domain && $0.status == TrialState.succeeded.rawValue && $0.stage == first && $0.objective != nil
    }
  }
}
