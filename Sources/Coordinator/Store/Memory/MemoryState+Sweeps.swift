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
      var status = DomainStatus(
        domain: domain, counts: counts,
        best: best[domainIndex].map { index in
          let trial = sweep.trials[index]
          return BestTrial(
            trialId: trial.id, metric: spec.objective.metric, value: trial.objective!,
            params: Dictionary(trial.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
        }, spentUsd: DollarAmount(sweep.spentByDomain[domainIndex]))
      status.commonFailure = commonFailure(sweep, domain: domainIndex)
      domains.append(status)
    }
    let reserved = sweep.ledger.reserved.value
    let remaining = MicroDollars(max(0, spec.budget.value - sweep.ledger.spent.value - reserved))
    var status = SweepStatus(
      id: id, name: spec.name, state: sweep.state, createdAt: sweep.createdAt.iso8601,
      budgetUsd: DollarAmount(spec.budget), spentUsd: DollarAmount(sweep.ledger.spent),
      reservedUsd: DollarAmount(MicroDollars(reserved)), remainingUsd: DollarAmount(remaining),
      objective: spec.objective, counts: total, domains: domains)
    status.pausedReason = sweep.pausedReason
    status.idleSpentUsd = DollarAmount(sweep.idleSpent)
    status.feesSpentUsd = DollarAmount(sweep.feeSpent)
    status.trialCostSpentUsd = DollarAmount(sweep.trialSpent)
    let position = sweepIndex[id]
    status.idleHeldUsd = DollarAmount(
      MicroDollars(
        workers.reduce(Int64(0)) { $0 + ($1.hold?.sweep == position ? $1.hold!.reservation.amount.value : 0) }))
    return status
  }

  /// The reason most failed attempts of a domain share; ties go to the alphabetically first.
  func commonFailure(_ sweep: MemorySweep, domain: Int) -> FailureCount? {
    var counts: [String: Int] = [:]
    for trial in sweep.trials where trial.domain == domain {
      for attempt in trial.attempts where attempt.outcome == .failed || attempt.outcome == .timedOut {
        if let reason = attempt.reason { counts[reason, default: 0] += 1 }
      }
    }
    return counts.min { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
      .map { FailureCount(reason: $0.key, attempts: $0.value) }
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
