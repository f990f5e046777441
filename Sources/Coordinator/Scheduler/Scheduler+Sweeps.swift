import Shared

extension Scheduler {
  /// Samples a validated sweep and stores it with its trials and shards, leasable at once.
  /// Trials are drawn and inserted one at a time: a million-trial sweep is never held in memory.
  /// A configuration drawn twice has the same id and is kept once. A transfer target's own trials
  /// wait (`waiting`) for its source's best.
  static func createSweep<S: SchedulerStorage>(
    _ s: inout S, id: String, spec: SweepSpec, specText: String, now: Timestamp
  ) throws -> SweepCreated {
    let sweep = try s.insertSweep(id: id, spec: spec, specText: specText, now: now)
    var totalTrials = 0
    var shards = 0
    var duplicates = 0
    var position: Int64 = 0
    for domain in spec.domains {
      let stored = try insertSampled(
        &s, sweep: sweep, spec: spec, domain: domain, rows: DomainSampler.candidates(spec, domain: domain),
        firstIndex: 0,
        firstOrdinal: 0, position: &position, held: spec.isTransferTarget(domain))
      shards += stored.shards
      totalTrials += stored.kept
      duplicates += stored.duplicates
    }
    if spec.hasStrategies { try applyStrategies(&s, sweep: sweep, now: now) }
    if totalTrials == 0 && !spec.hasStrategies { try s.setSweepState(sweep, .completed, finishedAt: now) }
    return SweepCreated(
      id: id, name: spec.name, totalTrials: totalTrials, shards: shards, duplicatesRemoved: duplicates)
  }

  /// Stores a domain's sampled configurations — every replicate of each, consecutive — from trial
  /// `firstIndex`, cut into shards from `firstOrdinal`, the shards queued from `position` on;
  /// `held` ones wait for a transfer. A configuration the domain already has is counted, not stored.
  static func insertSampled<S: SchedulerStorage, Rows: Sequence<[ParameterValue]>>(
    _ s: inout S, sweep: S.SweepRef, spec: SweepSpec, domain: String, rows: Rows, firstIndex: Int, firstOrdinal: Int,
    position: inout Int64, held: Bool
  ) throws -> (kept: Int, duplicates: Int, shards: Int) {
    let shardSize = max(1, spec.shardSize)
    var kept = 0
    var duplicates = 0
    for values in rows {
      for replicate in 0..<spec.replicates(inStage: 0) {
        let trial = spec.makeTrial(
          domain: domain, index: firstIndex + kept, values: values, stage: 0, replicate: replicate)
        if try s.insertTrial(
          sweep, trial, shardOrdinal: firstOrdinal + kept / shardSize, state: held ? .waiting : .pending, stage: 0,
          origin: .sampled)
        {
          kept += 1
        } else {
          duplicates += 1
        }
      }
    }
    let shards = (kept + shardSize - 1) / shardSize
    for ordinal in 0..<shards {
      try s.insertShard(
        sweep, domain: domain, ordinal: firstOrdinal + ordinal, position: position, state: held ? .waiting : .pending)
      position += 1
    }
    return (kept, duplicates, shards)
  }

  /// Cancels a running sweep: its unfinished trials are cancelled; running ones stop at their
  /// lease's next heartbeat (`stop_all`). A finished sweep stays as it is.
  static func cancelSweep<S: SchedulerStorage>(_ s: inout S, id: String, now: Timestamp) throws {
    guard let sweep = try s.sweep(id: id) else {
      throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(id)'")
    }
    guard [.running, .paused].contains(try s.sweepState(sweep)) else { return }
    try s.setSweepState(sweep, .cancelled, finishedAt: now)
    try s.cancelOpenRows(sweep)
  }

  /// Resumes a sweep that paused itself: trials are handed out again and the failure guard
  /// counts afresh. The trials whose failures tripped the guard get their attempts back (a
  /// trial that ran out of attempts on a missing script is `pending` again). Resuming a running
  /// sweep changes nothing; a finished one cannot resume.
  static func resumeSweep<S: SchedulerStorage>(_ s: inout S, id: String) throws {
    guard let sweep = try s.sweep(id: id) else {
      throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(id)'")
    }
    switch try s.sweepState(sweep) {
    case .running: return
    case .paused:
      if var watch = try s.failureWatch(sweep) {
        for trialID in watch.resume() { try giveAttemptsBack(&s, sweepID: id, trialID: trialID) }
        try s.setFailureWatch(sweep, watch)
      }
      try s.setSweepPause(sweep, reason: nil)
    case let state:
      throw StoreError.conflict(
        code: "sweep_not_paused", message: "sweep '\(id)' is \(state.rawValue); only a paused sweep resumes")
    }
  }

  /// A trial that failed for the command's sake: its failures no longer count; a failed one is
  /// pending again, and its shard is queued unless a lease still holds it (whose end queues it).
  static func giveAttemptsBack<S: SchedulerStorage>(_ s: inout S, sweepID: String, trialID: String) throws {
    guard let found = try s.trialForReport(sweepID: sweepID, trialID: trialID) else { return }
    switch found.row.state {
    case .failed:
      try s.setTrialState(found.trial, .pending, failures: 0)
      let shard = try s.trialShard(found.trial)
      if shard.state != .leased { try s.setShardState(shard.ref, .pending) }
    case .pending, .leased:
      try s.setTrialState(found.trial, found.row.state, failures: 0)
    default:
      break
    }
  }

  /// Marks a running sweep completed once no trial is pending, leased or waiting. A sweep with
  /// strategies completes only after its engine had its say (it may add trials).
  static func completeIfFinished<S: SchedulerStorage>(_ s: inout S, _ sweep: S.SweepRef, now: Timestamp) throws {
    guard try !s.hasOpenTrials(sweep), try s.sweepState(sweep) == .running, try s.strategySpec(sweep) == nil else {
      return
    }
    try s.setSweepState(sweep, .completed, finishedAt: now)
  }
}
