import Shared

extension MemoryState {
  /// As ``SQLiteStore/createSweep(id:spec:specText:now:)``: the same samples, ids, shards and
  /// positions. Sweeps with strategies are refused: their engine runs on SQLite only.
  mutating func createSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) throws(StoreError)
    -> SweepCreated
  {
    guard !spec.hasStrategies else {
      throw .invalid(
        code: "strategies_need_sqlite",
        message: "the in-memory store runs sweeps without stages, early stopping, transfer or adaptive sampling")
    }
    guard sweepIndex[id] == nil else { throw .conflict(code: "sweep_exists", message: "sweep '\(id)' exists") }
    var sweep = MemorySweep(id: id, seq: sweeps.count + 1, spec: spec, specText: specText, createdAt: now)
    let shardSize = max(1, spec.shardSize)
    var duplicates = 0
    for (domainIndex, domain) in spec.domains.enumerated() {
      let state: TrialState = spec.isTransferTarget(domain) ? .waiting : .pending
      let first = sweep.trials.count
      var kept = 0
      for values in DomainSampler.candidates(spec, domain: domain) {
        let trial = spec.makeTrial(domain: domain, index: kept, values: values, stage: 0)
        guard sweep.trialIndex[trial.id] == nil else {
          duplicates += 1
          continue
        }
        sweep.trialIndex[trial.id] = sweep.trials.count
        sweep.trials.append(
          MemoryTrial(
            id: trial.id, domain: domainIndex, idx: kept, shard: sweep.shards.count + kept / shardSize,
            params: trial.params, argv: trial.argv, state: state))
        sweep.counts[domainIndex].add(state, 1)
        sweep.open += 1
        kept += 1
      }
      for ordinal in 0..<((kept + shardSize - 1) / shardSize) {
        let start = first + ordinal * shardSize
        let position = sweep.shards.count
        sweep.shards.append(
          MemoryShard(
            domain: domainIndex, ordinal: ordinal, position: position,
            trials: start..<min(start + shardSize, first + kept), state: state.rawValue))
        if state == .pending { sweep.pendingShards.push(position) }
      }
    }
    if sweep.trials.isEmpty {
      sweep.state = "completed"
      sweep.finishedAt = now
    }
    sweepIndex[id] = sweeps.count
    sweeps.append(sweep)
    return SweepCreated(
      id: id, name: spec.name, totalTrials: sweep.trials.count, shards: sweep.shards.count,
      duplicatesRemoved: duplicates)
  }

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
    let reserved = leases.filter { $0.sweep == sweepIndex[id] && $0.state == "active" }.reduce(Int64(0)) {
      $0 + $1.held.value
    }
    let remaining = MicroDollars(max(0, spec.budget.value - sweep.ledger.spent.value - reserved))
    return SweepStatus(
      id: id, name: spec.name, state: sweep.state, createdAt: sweep.createdAt.iso8601,
      budgetUsd: DollarAmount(spec.budget), spentUsd: DollarAmount(sweep.ledger.spent),
      reservedUsd: DollarAmount(MicroDollars(reserved)), remainingUsd: DollarAmount(remaining),
      objective: spec.objective, counts: total, domains: domains)
  }

  mutating func cancelSweep(id: String, now: Timestamp) throws(StoreError) -> SweepStatus {
    guard let index = sweepIndex[id] else { throw .notFound(code: "sweep_not_found", message: "no sweep '\(id)'") }
    if sweeps[index].state == "running" {
      sweeps[index].state = "cancelled"
      sweeps[index].finishedAt = now
      for trial in sweeps[index].trials.indices where sweeps[index].trials[trial].state.isOpen {
        sweeps[index].setState(trial, .cancelled)
      }
      for shard in sweeps[index].shards.indices
      where ["pending", "waiting"].contains(sweeps[index].shards[shard].state) {
        sweeps[index].shards[shard].state = "done"
      }
    }
    return try status(id)
  }

  /// Cost of every attempt of the sweep that ended `state`.
  func attemptCost(sweepID: String, state: String) throws(StoreError) -> MicroDollars {
    let sweep = try sweep(sweepID)
    var total: Int64 = 0
    for trial in sweep.trials {
      for attempt in trial.attempts where attempt.state == state { total += attempt.cost.value }
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
