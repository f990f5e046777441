/// Where a trial came from.
public enum TrialOrigin: String, Hashable, Sendable, Codable, CaseIterable {
  /// Drawn by the sampler when the sweep was submitted.
  case sampled
  /// One of the transfer source's best configurations, run first in a target domain.
  case transferred
  /// One of the previous stage's best, re-run by a later stage.
  case promoted
  /// Proposed by the adaptive sampler's surrogate.
  case proposed
  /// Drawn for a transfer target where the transfer did not hold (`transfer.refine_trials`).
  case refined
}

/// What the strategy engine knows about one trial.
public struct StrategyTrial: Hashable, Sendable {
  public var id: String
  public var domain: String
  /// Values in the order of the spec's `space`.
  public var values: [ParameterValue]
  /// Index into the spec's stages (0 without stages).
  public var stage: Int
  public var origin: TrialOrigin
  public var state: TrialState
  /// The objective: the final metric of a succeeded trial, the last intermediate one of a pruned trial.
  public var objective: Double?
  /// Measured seconds of the attempt that produced the objective.
  public var seconds: Double?

  public init(
    id: String, domain: String, values: [ParameterValue], stage: Int, origin: TrialOrigin, state: TrialState,
    objective: Double?, seconds: Double?
  ) {
    self.id = id
    self.domain = domain
    self.values = values
    self.stage = stage
    self.origin = origin
    self.state = state
    self.objective = objective
    self.seconds = seconds
  }

  /// Whether the trial may still run (queued, running, or held for a transfer).
  public var isOpen: Bool { state == .pending || state == .leased || state == .waiting }
}

/// What the caller must do after the engine looked at the sweep.
public enum StrategyDecision: Hashable, Sendable {
  /// Add a trial with these values (space order) to `domain`'s queue, ahead of sampled trials.
  case enqueue(domain: String, values: [ParameterValue], stage: Int, origin: TrialOrigin)
  /// Let `domain`'s held trials run: the transfer into it has been queued.
  case release(domain: String)
}

/// The sweep strategies as pure decisions: given every trial of a sweep, which trials to add
/// (later stages, transferred configurations, adaptive proposals) and which held domains to let
/// run. The coordinator calls it in the transaction that finished a trial; the strategy study
/// calls the same code on virtual time. Calling it again with the same trials decides nothing new.
public struct StrategyEngine: Sendable {
  public let spec: SweepSpec

  public init(spec: SweepSpec) { self.spec = spec }

  /// Decisions for the sweep's current `trials`; `history` holds earlier sweeps' results for an
  /// adaptive warm start.
  public func advance(trials: [StrategyTrial], history: [AdaptiveProposer.Observation] = []) -> [StrategyDecision] {
    var decisions: [StrategyDecision] = []
    var byDomain = Dictionary(grouping: trials, by: \.domain)
    var proposedFor = Set<String>()
    let observations = history + surrogateObservations(trials)
    // Sources before targets, so a target sees its source's state after this round's proposals.
    let ordered = spec.domains.sorted { (spec.transfer?.source == $0 ? 0 : 1) < (spec.transfer?.source == $1 ? 0 : 1) }
    for domain in ordered {
      var mine = byDomain[domain] ?? []
      // A first-stage trial to add: decided, and seen as pending by what is decided after it.
      func queue(_ values: [ParameterValue], _ origin: TrialOrigin) {
        decisions.append(.enqueue(domain: domain, values: values, stage: 0, origin: origin))
        mine.append(
          StrategyTrial(
            id: "", domain: domain, values: values, stage: 0, origin: origin, state: .pending, objective: nil,
            seconds: nil))
      }
      if let transfer = spec.transfer, transfer.targets.contains(domain),
        !mine.contains(where: { $0.origin == .transferred })
      {
        let sourceTrials = byDomain[transfer.source] ?? []
        // Held: the target runs nothing of its own before its source's best are known.
        guard firstStageComplete(sourceTrials, proposedNow: proposedFor.contains(transfer.source)) else { continue }
        let tried = Set(mine.map { key($0.values) })
        for values in best(sourceTrials.filter { $0.stage == 0 }, count: transfer.topK)
        where !tried.contains(key(values)) {
          queue(values, .transferred)
        }
        if mine.contains(where: { $0.state == .waiting }) { decisions.append(.release(domain: domain)) }
        for index in mine.indices where mine[index].state == .waiting { mine[index].state = .pending }
      }
      if let refinement = refinement(for: domain, mine: mine, sourceTrials: byDomain[spec.transfer?.source ?? ""] ?? [])
      {
        for values in refinement { queue(values, .refined) }
      }
      if spec.sampler == .adaptive {
        let proposals = propose(for: domain, mine: mine, observations: observations)
        if !proposals.isEmpty { proposedFor.insert(domain) }
        for values in proposals { queue(values, .proposed) }
      }
      decisions += promotions(mine, proposedNow: proposedFor.contains(domain))
      byDomain[domain] = mine
    }
    return decisions
  }

  /// The refinement trials of a transfer target whose transfer did not hold, once its first stage
  /// is complete: its design continued by `refine_trials` points with a generator of its own.
  /// Nil when the domain is no target, refines already, has nothing to compare yet, or held.
  func refinement(for domain: String, mine: [StrategyTrial], sourceTrials: [StrategyTrial]) -> [[ParameterValue]]? {
    guard let transfer = spec.transfer, let refine = transfer.refine, transfer.targets.contains(domain),
      !mine.contains(where: { $0.origin == .refined }), firstStageComplete(mine, proposedNow: false)
    else { return nil }
    let screened = mine.filter { $0.stage == 0 }
    guard
      let verdict = TransferVerdict(
        transferred: configurationMeans(screened.filter { $0.origin == .transferred }).map(\.mean),
        own: configurationMeans(screened.filter { $0.origin != .transferred }).map(\.mean),
        source: configurationMeans(sourceTrials.filter { $0.stage == 0 }).map(\.mean),
        margin: refine.margin, goal: spec.objective.goal),
      !verdict.held
    else { return nil }
    let tried = Set(mine.map { key($0.values) })
    return DomainSampler.refinementCandidates(spec, domain: domain, count: refine.trials).filter {
      !tried.contains(key($0))
    }
  }

  /// Whether the domain's first stage will not grow or run any more.
  func firstStageComplete(_ trials: [StrategyTrial], proposedNow: Bool) -> Bool {
    let first = trials.filter { $0.stage == 0 }
    guard !first.isEmpty, !first.contains(where: \.isOpen), !proposedNow else { return false }
    if spec.sampler == .adaptive, let domain = first.first?.domain, let total = spec.trialTarget(for: domain),
      first.count < total
    {
      // The adaptive sampler could still add trials unless it has nothing left to propose.
      return !canPropose(first)
    }
    return true
  }

  private func canPropose(_ first: [StrategyTrial]) -> Bool {
    first.filter { $0.objective != nil }.count >= 2 && !exhausted(first)
  }

  /// Whether every configuration of a discrete space has been tried.
  private func exhausted(_ first: [StrategyTrial]) -> Bool {
    let encoding = SpaceEncoding(space: spec.space, stages: spec.stages, domains: [])
    var total = 1
    for index in encoding.active {
      guard let count = spec.space[index].kind.gridValuesForSearch?.count else { return false }
      total = total.multipliedReportingOverflow(by: count).overflow ? Int.max : total * count
    }
    return Set(first.map { key($0.values) }).count >= total
  }

  /// Adaptive proposals that keep up to `parallel` first-stage trials in flight until the domain has
  /// `trials_per_domain` of them.
  func propose(for domain: String, mine: [StrategyTrial], observations: [AdaptiveProposer.Observation])
    -> [[ParameterValue]]
  {
    guard let total = spec.trialTarget(for: domain), let settings = spec.adaptive else { return [] }
    let first = mine.filter { $0.stage == 0 }
    let open = first.filter(\.isOpen).count
    let need = min(total - first.count, settings.parallel - open)
    guard need > 0 else { return [] }
    let local = observations.filter { $0.domain == domain }
    guard local.count >= 1, observations.count >= 2 else { return [] }
    var hash = StableHash()
    hash.combine(spec.seed)
    hash.combine(domain)
    hash.combine(UInt64(first.count))
    let proposer = AdaptiveProposer(space: spec.space, stages: spec.stages, goal: spec.objective.goal)
    return proposer.propose(
      count: need, domain: domain, observations: observations,
      pending: first.filter(\.isOpen).map(\.values), tried: Set(first.map { key($0.values) }), base: baseValues,
      seed: hash.finalized
    ).map(\.values)
  }

  /// Later stages: once stage s is complete, its top_k go to stage s+1 — those not there yet, so
  /// that a stage grown by an extension promotes a newcomer that made its top_k.
  func promotions(_ mine: [StrategyTrial], proposedNow: Bool) -> [StrategyDecision] {
    guard spec.stages.count > 1 else { return [] }
    var decisions: [StrategyDecision] = []
    for next in 1..<spec.stages.count {
      let previous = mine.filter { $0.stage == next - 1 }
      let current = mine.filter { $0.stage == next }
      let complete =
        next == 1
        ? firstStageComplete(mine, proposedNow: proposedNow) : !previous.isEmpty && !previous.contains(where: \.isOpen)
      guard complete else { break }
      let stage = spec.stages[next]
      var promoted = Set(current.map { key($0.values) })
      for values in best(previous, count: stage.topK ?? 1) {
        let overridden = zip(spec.space, values).map { stage.overrides[$0.0.name] ?? $0.1 }
        guard promoted.insert(key(overridden)).inserted else { continue }
        decisions.append(.enqueue(domain: mine.first?.domain ?? "", values: overridden, stage: next, origin: .promoted))
      }
      if !decisions.isEmpty || current.contains(where: \.isOpen) { break }
    }
    return decisions
  }

  /// The `count` best succeeded configurations, best first, by the mean over their succeeded
  /// replicates (each ran once without replicates); ties keep trial order.
  func best(_ trials: [StrategyTrial], count: Int) -> [[ParameterValue]] {
    let ranked = configurationMeans(trials).sorted { a, b in
      if a.mean != b.mean { return spec.objective.isBetter(a.mean, than: b.mean) }
      return a.first < b.first
    }
    return ranked.prefix(count).map(\.values)
  }

  /// Each configuration's mean objective over its succeeded trials, with where it first appears.
  func configurationMeans(_ trials: [StrategyTrial]) -> [(values: [ParameterValue], mean: Double, first: Int)] {
    var groups: [String: (values: [ParameterValue], sum: Double, count: Int, first: Int)] = [:]
    for (offset, trial) in trials.enumerated() where trial.state == .succeeded {
      guard let objective = trial.objective else { continue }
      let key = key(trial.values)
      var group = groups[key] ?? (trial.values, 0, 0, offset)
      group.sum += objective
      group.count += 1
      groups[key] = group
    }
    return groups.values.map { ($0.values, $0.sum / Double($0.count), $0.first) }
  }

  /// First-stage trials with an objective, for the surrogate. A pruned trial's own value is an
  /// intermediate one (fewer epochs, maybe another metric), so it enters at the median of its
  /// domain's completed trials instead: ASHA judged it no winner, and that is all it says.
  public func surrogateObservations(_ trials: [StrategyTrial]) -> [AdaptiveProposer.Observation] {
    let first = trials.filter { $0.stage == 0 }
    var medians: [String: Double] = [:]
    for (domain, group) in Dictionary(grouping: first.filter { $0.state == .succeeded }, by: \.domain) {
      let values = group.compactMap(\.objective)
      if !values.isEmpty { medians[domain] = Statistics.quantile(values, 0.5) }
    }
    return first.compactMap { trial in
      let objective: Double?
      switch trial.state {
      case .succeeded: objective = trial.objective
      case .pruned: objective = medians[trial.domain]
      default: objective = nil
      }
      // A pruned trial's duration is not what the configuration costs to train.
      return objective.map {
        AdaptiveProposer.Observation(
          values: trial.values, domain: trial.domain, objective: $0,
          seconds: trial.state == .succeeded ? trial.seconds : nil)
      }
    }
  }

  /// Values of the parameters the surrogate does not vary: fixed ones and the first stage's overrides.
  var baseValues: [ParameterValue] {
    spec.space.map { parameter in
      if let value = spec.stages.first?.overrides[parameter.name] { return value }
      if case .fixed(let value) = parameter.kind { return value }
      return parameter.kind.value(atQuantile: 0.5)
    }
  }

  func key(_ values: [ParameterValue]) -> String {
    TrialID.canonicalKey(zip(spec.space, values).map { ($0.0.name, $0.1) })
  }
}
