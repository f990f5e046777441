/// What the surrogate can say about one domain's results: how well it predicts (leave-one-out and
/// hold-out), a prediction for any configuration, and the statistics of `sweep analyze`.
public struct SurrogateAnalysis: Sendable {
  public let space: [Parameter]
  public let stages: [Stage]
  public let goal: Objective.Goal
  public let observations: [AdaptiveProposer.Observation]
  let encoding: SpaceEncoding
  public let model: GaussianProcess

  /// Fits the surrogate on `observations` (one domain, or several with the domain as a feature).
  public init?(space: [Parameter], stages: [Stage], goal: Objective.Goal, observations: [AdaptiveProposer.Observation])
  {
    guard observations.count >= 3 else { return nil }
    let encoding = SpaceEncoding(space: space, stages: stages, domains: Array(Set(observations.map(\.domain))).sorted())
    guard encoding.dimension > 0,
      let model = try? GaussianProcess.fit(
        inputs: observations.map { encoding.encode($0.values, domain: $0.domain) },
        outputs: observations.map(\.objective))
    else { return nil }
    self.space = space
    self.stages = stages
    self.goal = goal
    self.observations = observations
    self.encoding = encoding
    self.model = model
  }

  /// How well the predictor ranks and predicts.
  public struct Validation: Sendable {
    public var count: Int
    public var looMAE: Double
    public var looSpearman: Double?
    /// Whether the truly best configuration is among the predictor's top 3 (leave-one-out).
    public var bestInTopThree: Bool
    public var holdoutCount: Int
    public var holdoutMAE: Double?
    public var holdoutSpearman: Double?
  }

  /// Leave-one-out in closed form, and a seeded 25% hold-out refitted from scratch on the rest.
  public func validate(seed: UInt64) -> Validation {
    let loo = model.leaveOneOut().map(\.mean)
    let actual = observations.map(\.objective)
    let better: (Double, Double) -> Bool = { [goal] a, b in goal == .maximize ? a > b : a < b }
    let bestIndex = actual.indices.max { better(actual[$1], actual[$0]) } ?? 0
    let topThree = Set(loo.indices.sorted { better(loo[$0], loo[$1]) }.prefix(3))
    var generator = Xoshiro256StarStar(seed: seed)
    let order = generator.permutation(of: observations.count)
    let heldCount = max(1, observations.count / 4)
    let held = Array(order.prefix(heldCount))
    let kept = Array(order.dropFirst(heldCount))
    var holdoutMAE: Double? = nil
    var holdoutSpearman: Double? = nil
    if kept.count >= 3,
      let refit = SurrogateAnalysis(
        space: space, stages: stages, goal: goal, observations: kept.map { observations[$0] })
    {
      let predicted = held.map { refit.predict(observations[$0].values, domain: observations[$0].domain).mean }
      let truth = held.map { actual[$0] }
      holdoutMAE = Statistics.meanAbsoluteError(predicted, truth)
      holdoutSpearman = Statistics.spearman(predicted, truth)
    }
    return Validation(
      count: observations.count, looMAE: Statistics.meanAbsoluteError(loo, actual),
      looSpearman: Statistics.spearman(loo, actual), bestInTopThree: topThree.contains(bestIndex),
      holdoutCount: heldCount, holdoutMAE: holdoutMAE, holdoutSpearman: holdoutSpearman)
  }

  /// The predicted objective of a configuration with a 95% interval for a new run of it (model
  /// uncertainty plus the run-to-run noise the model estimated).
  public func predict(_ values: [ParameterValue], domain: String) -> (mean: Double, lower: Double, upper: Double) {
    let (mean, variance) = model.predict(encoding.encode(values, domain: domain))
    let sd = (variance + model.noiseVariance).squareRoot()
    return (mean, mean - 1.96 * sd, mean + 1.96 * sd)
  }

  /// The best observed configuration against the runner-up.
  public struct Comparison: Sendable {
    public var bestIndex: Int
    public var runnerUpIndex: Int?
    /// 95% interval of the best configuration's true metric.
    public var interval: (lower: Double, upper: Double)
    /// Two-sided p-value of "the best and the runner-up are equally good".
    public var pValue: Double?
    public var draws: Int
    public static let testName =
      "parametric bootstrap of the Gaussian-process posterior (each configuration ran once, so the run-to-run noise is the model's estimate)"
  }

  /// Draws the true metric of the best and the runner-up from the posterior (jointly, with their
  /// correlation), `draws` times: the interval is the 2.5–97.5% range of the best's draws; the
  /// p-value twice the share of draws where the runner-up comes out ahead.
  public func compareBest(draws: Int = 4000, seed: UInt64) -> Comparison {
    let better: (Double, Double) -> Bool = { [goal] a, b in goal == .maximize ? a > b : a < b }
    let order = observations.indices.sorted { better(observations[$0].objective, observations[$1].objective) }
    let best = order[0]
    let runner = order.count > 1 ? order[1] : nil
    let xb = encoding.encode(observations[best].values, domain: observations[best].domain)
    let (mb, vb) = model.predict(xb)
    var generator = Xoshiro256StarStar(seed: seed)
    guard let runner else {
      let sd = vb.squareRoot()
      return Comparison(
        bestIndex: best, runnerUpIndex: nil, interval: (mb - 1.96 * sd, mb + 1.96 * sd), pValue: nil, draws: 0)
    }
    let xr = encoding.encode(observations[runner].values, domain: observations[runner].domain)
    let (mr, vr) = model.predict(xr)
    let covariance = posteriorCovariance(xb, xr)
    // Cholesky of the 2×2 posterior covariance.
    let l11 = vb.squareRoot()
    let l21 = l11 > 0 ? covariance / l11 : 0
    let l22 = max(0, vr - l21 * l21).squareRoot()
    var bestDraws: [Double] = []
    var runnerAhead = 0
    for _ in 0..<draws {
      let z1 = Gaussian.sample(&generator)
      let z2 = Gaussian.sample(&generator)
      let fb = mb + l11 * z1
      let fr = mr + l21 * z1 + l22 * z2
      bestDraws.append(fb)
      if !better(fb, fr) { runnerAhead += 1 }
    }
    let share = Double(runnerAhead) / Double(draws)
    return Comparison(
      bestIndex: best, runnerUpIndex: runner,
      interval: (Statistics.quantile(bestDraws, 0.025), Statistics.quantile(bestDraws, 0.975)),
      pValue: min(1, 2 * min(share, 1 - share)), draws: draws)
  }

  func posteriorCovariance(_ a: [Double], _ b: [Double]) -> Double {
    let h = model.hyperparameters
    let ka = model.inputs.map { GaussianProcess.kernel($0, a, h) }
    let kb = model.inputs.map { GaussianProcess.kernel($0, b, h) }
    let va = model.factor.solveLower(ka)
    let vb = model.factor.solveLower(kb)
    let prior = GaussianProcess.kernel(a, b, h)
    let scale = model.scale * model.scale
    return (prior - zip(va, vb).reduce(0) { $0 + $1.0 * $1.1 }) * scale
  }

  /// Share of the surrogate's variance each parameter explains alone (first-order Sobol indices of
  /// the posterior mean, by Monte Carlo over the space): the "importance" of `sweep analyze`.
  public func importance(samples: Int = 256, seed: UInt64) -> [(name: String, share: Double)] {
    let domain = observations[0].domain
    var generator = Xoshiro256StarStar(seed: seed)
    let width = encoding.active.count
    let extra = encoding.domains.map { $0 == domain ? 1.0 : 0.0 }
    func f(_ point: [Double]) -> Double { model.predict(point + extra).mean }
    // Saltelli's estimator: A, B random matrices; A with column i from B.
    let a = (0..<samples).map { _ in (0..<width).map { _ in generator.nextOpenUnit() } }
    let b = (0..<samples).map { _ in (0..<width).map { _ in generator.nextOpenUnit() } }
    let fa = a.map(f)
    let fb = b.map(f)
    let all = fa + fb
    let total = Statistics.mean(all.map { $0 * $0 }) - Statistics.mean(all) * Statistics.mean(all)
    guard total > 1e-18 else { return encoding.active.map { (space[$0].name, 0) } }
    return encoding.active.enumerated().map { coordinate, index in
      var sum = 0.0
      for row in 0..<samples {
        var mixed = a[row]
        mixed[coordinate] = b[row][coordinate]
        sum += fb[row] * (f(mixed) - fa[row])
      }
      return (space[index].name, max(0, min(1, sum / Double(samples) / total)))
    }
  }
}
