import Shared

extension MemoryState {
  func sweep(_ id: String) throws(StoreError) -> MemorySweep {
    guard let index = sweepIndex[id] else {
      throw .notFound(code: "sweep_not_found", message: "no sweep '\(id)'; `sweep status` lists the sweeps")
    }
    return sweeps[index]
  }

  func status(_ id: String) throws(StoreError) -> SweepStatus {
    let sweep = try sweep(id)
    let spec = sweep.spec
    var total = TrialCounts()
    var domains: [DomainStatus] = []
    var best: [Int: Int] = [:]
    for (index, trial) in sweep.trials.enumerated() where trial.state == .succeeded && trial.objective != nil {
      guard let current = best[trial.domain] else {
        best[trial.domain] = index
        continue
      }
      let value = trial.objective!
      let held = sweep.trials[current].objective!
      let better = spec.objective.goal == .maximize ? value > held : value < held
      if better || (value == held && trial.idx < sweep.trials[current].idx) { best[trial.domain] = index }
    }
    for (domainIndex, domain) in spec.domains.enumerated() {
      let counts = sweep.counts[domainIndex]
      for state in TrialState.allCases { total.add(state, counts.count(state)) }
      domains.append(
        DomainStatus(
          domain: domain, counts: counts,
          best: best[domainIndex].map { index in
            let trial = sweep.trials[index]
            return BestTrial(
              trialId: trial.id, metric: spec.objective.metric, value: trial.objective!,
              params: Dictionary(trial.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
          }, spentUsd: DollarAmount(sweep.spentByDomain[domainIndex])))
    }
    let reserved = leases.filter { $0.sweepRef == sweepIndex[id] && $0.state == .active }.reduce(Int64(0)) {
      $0 + $1.held.value
    }
    let remaining = MicroDollars(max(0, spec.budget.value - sweep.ledger.spent.value - reserved))
    return SweepStatus(
      id: id, name: spec.name, state: sweep.state, createdAt: sweep.createdAt.iso8601,
      budgetUsd: DollarAmount(spec.budget), spentUsd: DollarAmount(sweep.ledger.spent),
      reservedUsd: DollarAmount(MicroDollars(reserved)), remainingUsd: DollarAmount(remaining),
      objective: spec.objective, counts: total, domains: domains)
  }

  /// Cost of every attempt of the sweep that ended with `outcome`.
  func attemptCost(sweepID: String, outcome: AttemptOutcome) throws(StoreError) -> MicroDollars {
    let sweep = try sweep(sweepID)
    var total: Int64 = 0
    for trial in sweep.trials {
      for attempt in trial.attempts where attempt.outcome == outcome { total += attempt.cost.value }
    }
    return MicroDollars(total)
  }
}

extension TrialCounts {
  func count(_ state: TrialState) -> Int {
    switch state {
    case .pending: pending
    case .leased: leased
    case .succeeded: succeeded
    case .failed: failed
    case .cancelled: cancelled
    case .waiting: waiting
    case .pruned: pruned
    }
  }
}
