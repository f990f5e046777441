import Shared

extension MemoryState {
  func strategyTrials(_ sweep: Int, domain: String?, spec: SweepSpec) throws -> [StrategyTrial] {
    let domains = sweeps[sweep].spec.domains
    let only = try domain.map { try sweeps[sweep].domainIndex($0) }
    // SQLite's order: by domain name, then index.
    return sweeps[sweep].trials.filter { only == nil || $0.domain == only }
      .sorted { (domains[$0.domain], $0.idx) < (domains[$1.domain], $1.idx) }
      .map { trial in
        StrategyTrial(
          id: trial.id, domain: domains[trial.domain], values: spec.values(of: trial.params), stage: trial.stage,
          origin: trial.origin, state: trial.state, objective: trial.objective,
          seconds: trial.durationMs.map { Double($0) / 1000 })
      }
  }

  func warmStartObservations(sweepID: String, spec: SweepSpec) -> [AdaptiveProposer.Observation] {
    guard let index = sweepIndex[sweepID], sweeps[index].spec.objective.metric == spec.objective.metric else {
      return []
    }
    let source = sweeps[index]
    return source.trials.compactMap { trial in
      guard trial.stage == 0, trial.state == .succeeded || trial.state == .pruned, let objective = trial.objective
      else { return nil }
      return AdaptiveProposer.Observation(
        values: spec.values(of: trial.params), domain: source.spec.domains[trial.domain], objective: objective,
        seconds: trial.durationMs.map { Double($0) / 1000 })
    }
  }

  func lowestShardPosition(_ sweep: Int) -> Int64 { sweeps[sweep].lowestPosition }

  func nextTrialSlot(_ sweep: Int, domain: String) throws -> (index: Int, ordinal: Int) {
    let domain = try sweeps[sweep].domainIndex(domain)
    return (sweeps[sweep].nextIndex[domain], sweeps[sweep].nextOrdinal[domain])
  }

  mutating func releaseWaiting(_ sweep: Int, domain: String) throws {
    let domain = try sweeps[sweep].domainIndex(domain)
    for index in sweeps[sweep].trials.indices
    where sweeps[sweep].trials[index].domain == domain && sweeps[sweep].trials[index].state == .waiting {
      sweeps[sweep].setState(index, .pending)
    }
    for shard in sweeps[sweep].shards.indices
    where sweeps[sweep].shards[shard].domain == domain && sweeps[sweep].shards[shard].state == .waiting {
      sweeps[sweep].queue(shard)
    }
  }

  func trialForEarlyStopping(_ sweep: Int, trialID: String) -> TrialForEarlyStopping<MemoryTrialRef>? {
    guard let index = sweeps[sweep].trialIndex[trialID] else { return nil }
    let trial = sweeps[sweep].trials[index]
    return TrialForEarlyStopping(
      ref: MemoryTrialRef(sweep: sweep, trial: index), domain: sweeps[sweep].spec.domains[trial.domain],
      params: trial.params, stage: trial.stage, state: trial.state, attempts: trial.attempts.count,
      pruneReason: trial.pruneReason)
  }

  mutating func insertRung(
    _ ref: MemoryTrialRef, trialID: String, domain: String, stage: Int, rung: Int, epoch: Double, value: Double
  ) throws -> Bool {
    guard !sweeps[ref.sweep].trials[ref.trial].rungs.contains(where: { $0.rung == rung }) else { return false }
    sweeps[ref.sweep].trials[ref.trial].rungs.append((rung, value))
    let group = MemorySweep.RungGroup(domain: try sweeps[ref.sweep].domainIndex(domain), stage: stage, rung: rung)
    sweeps[ref.sweep].rungs[group, default: []].append((ref.trial, value))
    return true
  }

  func rungPeers(_ sweep: Int, domain: String, stage: Int, rung: Int, excluding trialID: String) throws -> [Double] {
    let group = MemorySweep.RungGroup(domain: try sweeps[sweep].domainIndex(domain), stage: stage, rung: rung)
    return (sweeps[sweep].rungs[group] ?? []).compactMap { entry in
      sweeps[sweep].trials[entry.trial].id == trialID ? nil : entry.value
    }
  }

  mutating func setPruneReason(_ ref: MemoryTrialRef, _ reason: String) {
    sweeps[ref.sweep].trials[ref.trial].pruneReason = reason
  }
}
