/// Proposes configurations by expected improvement per expected second: a Gaussian process
/// fitted on every finished trial (and earlier sweeps' results, with the domain as a feature)
/// scores candidate configurations; the cost model divides by the expected duration, so at equal
/// promise the cheaper configuration goes first. Deterministic for a given seed.
public struct AdaptiveProposer: Sendable {
  /// One finished trial the model learns from.
  public struct Observation: Sendable {
    public var values: [ParameterValue]
    public var domain: String
    public var objective: Double
    public var seconds: Double?

    public init(values: [ParameterValue], domain: String, objective: Double, seconds: Double?) {
      self.values = values
      self.domain = domain
      self.objective = objective
      self.seconds = seconds
    }
  }

  /// A configuration to run next, with why.
  public struct Proposal: Sendable {
    public var values: [ParameterValue]
    public var expectedImprovement: Double
    public var expectedSeconds: Double
    public var predictedObjective: Double
  }

  public var space: [Parameter]
  public var stages: [Stage]
  public var goal: Objective.Goal
  /// Discrete spaces up to this size are searched exhaustively; larger or continuous ones by
  /// sampling. Each candidate costs O(n²) against n observations, and proposals are made inside
  /// the coordinator's write transaction, so the candidate count stays near two thousand.
  public var enumerationLimit = 2_048
  public var randomCandidates = 1024

  public init(space: [Parameter], stages: [Stage], goal: Objective.Goal) {
    self.space = space
    self.stages = stages
    self.goal = goal
  }

  /// `count` configurations for `domain`, none equal to a tried or pending one. `base` gives the
  /// values of the parameters the model does not vary (fixed, or set by the stage). Returns fewer
  /// when the space has run out, and none without observations in this domain or elsewhere.
  public func propose(
    count: Int, domain: String, observations: [Observation], pending: [[ParameterValue]], tried: Set<String>,
    base: [ParameterValue], seed: UInt64
  ) -> [Proposal] {
    guard count > 0, !observations.isEmpty else { return [] }
    let domains = Array(Set(observations.map(\.domain)).union([domain])).sorted()
    let encoding = SpaceEncoding(space: space, stages: stages, domains: domains)
    let sign = goal == .maximize ? 1.0 : -1.0
    let points = observations.map { encoding.encode($0.values, domain: $0.domain) }
    let outputs = observations.map { sign * $0.objective }
    guard encoding.dimension > 0, let model = try? GaussianProcess.fit(inputs: points, outputs: outputs) else {
      return []
    }
    let timed = observations.enumerated().filter { $0.element.domain == domain && $0.element.seconds != nil }
    let costs = CostModel(points: timed.map { points[$0.offset] }, seconds: timed.map { $0.element.seconds! })
    let names = space.map(\.name)
    func key(_ values: [ParameterValue]) -> String { TrialID.canonicalKey(zip(names, values).map { ($0.0, $0.1) }) }
    var excluded = tried.union(pending.map(key))
    var candidates = candidateConfigurations(
      encoding: encoding, base: base, observations: observations, domain: domain, seed: seed)
    candidates.removeAll { excluded.contains(key($0)) }
    var believedInputs = points
    var believedOutputs = outputs
    var current = model
    for values in pending {
      let x = encoding.encode(values, domain: domain)
      believedInputs.append(x)
      believedOutputs.append(current.predict(x).mean)
    }
    if !pending.isEmpty, let refit = try? model.conditioned(inputs: believedInputs, outputs: believedOutputs) {
      current = refit
    }
    // Improvement is over the best of this domain: another domain's best says where to look,
    // not what this one has already reached.
    let local = zip(observations, outputs).filter { $0.0.domain == domain }.map(\.1)
    let incumbent = local.max() ?? (outputs.min() ?? 0)
    var proposals: [Proposal] = []
    while proposals.count < count, !candidates.isEmpty {
      var bestIndex = -1
      var bestScore = -Double.infinity
      var bestDetail = (ei: 0.0, seconds: 0.0, mean: 0.0)
      for (index, values) in candidates.enumerated() {
        let x = encoding.encode(values, domain: domain)
        let (mean, variance) = current.predict(x)
        let ei = expectedImprovement(mean: mean, variance: variance, best: incumbent)
        let seconds = max(1e-3, costs.seconds(at: x))
        let score = ei / seconds
        if score > bestScore {
          bestScore = score
          bestIndex = index
          bestDetail = (ei, seconds, mean)
        }
      }
      guard bestIndex >= 0 else { break }
      let chosen = candidates.remove(at: bestIndex)
      excluded.insert(key(chosen))
      proposals.append(
        Proposal(
          values: chosen, expectedImprovement: bestDetail.ei, expectedSeconds: bestDetail.seconds,
          predictedObjective: sign * bestDetail.mean))
      // Kriging believer: pretend the proposal came out at its predicted mean, so that the next
      // proposal of the same batch looks elsewhere.
      believedInputs.append(encoding.encode(chosen, domain: domain))
      believedOutputs.append(bestDetail.mean)
      if let refit = try? model.conditioned(inputs: believedInputs, outputs: believedOutputs) { current = refit }
    }
    return proposals
  }

  /// Every configuration of a small discrete space; otherwise random points of the cube and
  /// perturbations of the best observed configurations of this domain.
  func candidateConfigurations(
    encoding: SpaceEncoding, base: [ParameterValue], observations: [Observation], domain: String, seed: UInt64
  ) -> [[ParameterValue]] {
    if let all = encoding.enumerate(base: base, limit: enumerationLimit) { return all }
    var generator = Xoshiro256StarStar(seed: seed)
    let width = encoding.active.count
    var result: [[ParameterValue]] = []
    for _ in 0..<randomCandidates {
      result.append(encoding.decode((0..<width).map { _ in generator.nextOpenUnit() }, base: base))
    }
    let sign = goal == .maximize ? 1.0 : -1.0
    let local = observations.filter { $0.domain == domain }.sorted { sign * $0.objective > sign * $1.objective }
    for observation in local.prefix(5) {
      let centre = Array(encoding.encode(observation.values, domain: domain).prefix(width))
      for _ in 0..<64 {
        let point = centre.map { $0 + 0.08 * Gaussian.sample(&generator) }
        result.append(encoding.decode(point, base: base))
      }
    }
    return result
  }
}
