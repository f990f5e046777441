import Shared

/// The sweep strategies in the scheduler: after a trial finishes, the pure ``StrategyEngine``
/// looks at the sweep and its decisions (new trials, released domains) are applied in the same
/// transaction; heartbeats feed ASHA. A sweep without strategies skips all of it.
extension Scheduler {
  /// Runs the strategy engine on the sweep and applies its decisions; then completes the sweep
  /// if nothing is left to run. Returns whether trials were added or released.
  ///
  /// `domain` names the domain whose trial just finished: a sweep whose strategies never look
  /// across domains (stages only) then loads that domain alone, and one with early stopping only
  /// runs no engine at all.
  @discardableResult
  static func applyStrategies<S: SchedulerStorage>(
    _ s: inout S, sweep: S.SweepRef, domain: String? = nil, now: Timestamp
  ) throws -> Bool {
    guard let spec = try s.strategySpec(sweep), try s.sweepState(sweep) == .running else { return false }
    var decisions: [StrategyDecision] = []
    if spec.stages.count > 1 || spec.transfer != nil || spec.sampler == .adaptive {
      let crossDomain = spec.transfer != nil || spec.sampler == .adaptive
      let trials = try s.strategyTrials(sweep, domain: crossDomain ? nil : domain, spec: spec)
      var history: [AdaptiveProposer.Observation] = []
      for id in spec.adaptive?.warmStart ?? [] { history += try s.warmStartObservations(sweepID: id, spec: spec) }
      decisions = StrategyEngine(spec: spec).advance(trials: trials, history: history)
    }
    var changed = false
    // New trials go to the front of the queue: a later stage or a transfer finishes what was begun.
    var nextPosition = try s.lowestShardPosition(sweep) - Int64(decisions.count)
    for decision in decisions {
      switch decision {
      case .enqueue(let domain, let values, let stage, let origin):
        // One shard per decision, holding every replicate of the configuration.
        let (index, ordinal) = try s.nextTrialSlot(sweep, domain: domain)
        var inserted = false
        for trial in spec.makeTrials(domain: domain, index: index, values: values, stage: stage) {
          if try s.insertTrial(sweep, trial, shardOrdinal: ordinal, state: .pending, stage: stage, origin: origin) {
            inserted = true
          }
        }
        guard inserted else { continue }
        try s.insertShard(sweep, domain: domain, ordinal: ordinal, position: nextPosition, state: .pending)
        nextPosition += 1
        changed = true
      case .release(let domain):
        try s.releaseWaiting(sweep, domain: domain)
        changed = true
      }
    }
    if try !s.hasOpenTrials(sweep) { try s.setSweepState(sweep, .completed, finishedAt: now) }
    return changed
  }

  /// ASHA on one heartbeat's progress: records the metric at a newly reached rung and answers
  /// "cancel" for a trial it prunes (again on every later heartbeat until the trial stops).
  static func earlyStoppingAction<S: SchedulerStorage>(
    _ s: inout S, sweep: S.SweepRef, spec: SweepSpec, progress: TrialProgress
  ) throws -> LeaseAction? {
    guard let settings = spec.earlyStopping,
      let trial = try s.trialForEarlyStopping(sweep, trialID: progress.trialId),
      trial.state == .leased, trial.attempts == progress.attempt
    else { return nil }
    if let reason = trial.pruneReason {
      return LeaseAction(kind: .cancelTrial, trialId: progress.trialId, reason: reason)
    }
    guard let epoch = progress.epoch, let value = progress.metrics[settings.metric] else { return nil }
    let values = spec.values(of: trial.params)
    let maxEpochs = spec.space.firstIndex { $0.name == settings.epochsParameter }.flatMap { values[$0].numeric }
      .map { Int($0) }
    let asha = ASHA(settings)
    guard let rung = asha.rung(reachedAt: epoch, maxEpochs: maxEpochs) else { return nil }
    // Judged once, when the rung is first reached, as ASHA does.
    guard
      try s.insertRung(
        trial.ref, trialID: progress.trialId, domain: trial.domain, stage: trial.stage, rung: rung, epoch: epoch,
        value: value)
    else { return nil }
    let peers = try s.rungPeers(
      sweep, domain: trial.domain, stage: trial.stage, rung: rung, excluding: progress.trialId)
    guard case .stop(let at, let rank, let count, let kept) = asha.decide(value: value, rung: rung, peers: peers) else {
      return nil
    }
    let reason =
      "pruned by ASHA at epoch \(at): \(settings.metric) \(value) ranks \(rank) of \(count), and only the best \(kept) go on"
    try s.setPruneReason(trial.ref, reason)
    return LeaseAction(kind: .cancelTrial, trialId: progress.trialId, reason: reason)
  }
}

extension SweepSpec {
  /// Parameter values in the spec's order (a parameter missing from the stored trial takes the
  /// middle of its range, which only happens to warm-start data from a different space).
  func values(of params: [(name: String, value: ParameterValue)]) -> [ParameterValue] {
    let stored = Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    return space.map { stored[$0.name] ?? $0.kind.value(atQuantile: 0.5) }
  }
}
