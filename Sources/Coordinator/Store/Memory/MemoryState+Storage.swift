import Shared

/// ``SchedulerStorage`` over arrays: each method reads or writes rows by position and keeps the
/// counts and queues up to date. No decision is taken here.
extension MemoryState: SchedulerStorage {
  typealias SweepRef = Int
  typealias ShardRef = MemoryShardRef
  typealias TrialRef = MemoryTrialRef
  typealias WorkerRef = Int
  typealias Lease = MemoryLease

  // MARK: Sweeps

  mutating func insertSweep(id: String, spec: SweepSpec, specText: String, now: Timestamp) throws -> Int {
    guard sweepIndex[id] == nil else {
      throw StoreError.conflict(code: "sweep_exists", message: "sweep '\(id)' exists")
    }
    sweepIndex[id] = sweeps.count
    sweeps.append(MemorySweep(id: id, seq: sweeps.count + 1, spec: spec, specText: specText, createdAt: now))
    sweeps[sweeps.count - 1].failureWatch = spec.failureGuard?.watch
    return sweeps.count - 1
  }

  func sweep(id: String) -> Int? { sweepIndex[id] }

  func sweepsToGrant() -> [SweepTerms<Int>] {
    sweeps.indices.compactMap { index in
      let sweep = sweeps[index]
      guard sweep.state == .running, !sweep.pendingShards.isEmpty else { return nil }
      return SweepTerms(
        ref: index, id: sweep.id, name: sweep.spec.name,
        estimate: .milliseconds(sweep.spec.estimatedTrialDuration.wholeMilliseconds),
        trialTimeout: sweep.spec.trialTimeout.map { .milliseconds($0.wholeMilliseconds) },
        objectiveMetric: sweep.spec.objective.metric, maxAttempts: sweep.spec.maxAttempts, workdir: sweep.spec.workdir,
        artifacts: sweep.spec.artifacts, trialPrice: sweep.spec.trialPrice?.perTrialAmount)
    }
  }

  func sweepState(_ sweep: Int) -> SweepState { sweeps[sweep].state }

  mutating func setSweepState(_ sweep: Int, _ state: SweepState, finishedAt: Timestamp) {
    sweeps[sweep].state = state
    sweeps[sweep].finishedAt = finishedAt
  }

  func latestSweepState() -> SweepState? { sweeps.last?.state }

  func failureWatch(_ sweep: Int) -> FailureWatch? { sweeps[sweep].failureWatch }

  mutating func setFailureWatch(_ sweep: Int, _ watch: FailureWatch) { sweeps[sweep].failureWatch = watch }

  mutating func setSweepPause(_ sweep: Int, reason: String?) {
    sweeps[sweep].state = reason == nil ? .running : .paused
    sweeps[sweep].pausedReason = reason
  }

  func hasOpenTrials(_ sweep: Int) -> Bool { sweeps[sweep].open > 0 }

  func strategySpec(_ sweep: Int) -> SweepSpec? { sweeps[sweep].strategic ? sweeps[sweep].spec : nil }

  /// In place: a copy of the ledger would copy its dictionary of open reservations on every change.
  mutating func changeLedger<T>(_ sweep: Int, _ change: (inout Ledger) throws(LedgerError) -> T) throws -> T {
    sweeps[sweep].ledger.outerLimit = try outerLimit(sweep)
    defer { sweeps[sweep].ledger.outerLimit = nil }
    do {
      return try change(&sweeps[sweep].ledger)
    } catch {
      throw StoreError.corrupt("ledger of \(sweeps[sweep].id): \(error)")
    }
  }

  mutating func addIdleSpend(_ sweep: Int, _ amount: MicroDollars) {
    sweeps[sweep].idleSpent = MicroDollars(sweeps[sweep].idleSpent.value + amount.value)
  }

  mutating func addTrialSpend(_ sweep: Int, _ amount: MicroDollars) {
    sweeps[sweep].trialSpent = MicroDollars(sweeps[sweep].trialSpent.value + amount.value)
  }

  func trialPrice(_ sweep: Int) -> MicroDollars? { sweeps[sweep].spec.trialPrice?.perTrialAmount }

  func outerBudget() -> OuterBudget? { outer }

  mutating func setOuterBudget(_ budget: OuterBudget?) { outer = budget }

  func joinToken(id: String) -> JoinTokenRecord? { joinTokenRecords.first { $0.id == id } }

  func joinTokens() -> [JoinTokenRecord] { joinTokenRecords }

  mutating func insertJoinToken(_ token: JoinTokenRecord) { joinTokenRecords.append(token) }

  mutating func setJoinTokenRevoked(id: String, at: Timestamp) {
    if let index = joinTokenRecords.firstIndex(where: { $0.id == id }) { joinTokenRecords[index].revokedAt = at }
  }

  mutating func startOuterPeriod(at start: Timestamp, countingAll: Bool) {
    outer?.periodStart = start
    for index in sweeps.indices { sweeps[index].periodBase = countingAll ? .zero : sweeps[index].ledger.spent }
  }

  func outerUsage(excluding sweep: Int?) -> MicroDollars {
    MicroDollars(
      sweeps.indices.reduce(Int64(0)) { total, index in
        guard index != sweep else { return total }
        let ledger = sweeps[index].ledger
        return total + ledger.spent.value - sweeps[index].periodBase.value + ledger.reserved.value
      })
  }

  func periodBase(_ sweep: Int) -> MicroDollars { sweeps[sweep].periodBase }

  func outerReserved() -> MicroDollars { MicroDollars(sweeps.reduce(Int64(0)) { $0 + $1.ledger.reserved.value }) }

  mutating func addFeeSpend(_ sweep: Int, _ amount: MicroDollars) {
    sweeps[sweep].feeSpent = MicroDollars(sweeps[sweep].feeSpent.value + amount.value)
  }

  mutating func cancelOpenRows(_ sweep: Int) {
    for trial in sweeps[sweep].trials.indices where sweeps[sweep].trials[trial].state.isOpen {
      sweeps[sweep].setState(trial, .cancelled)
    }
    for shard in sweeps[sweep].shards.indices
    where [.pending, .waiting].contains(sweeps[sweep].shards[shard].state) {
      sweeps[sweep].shards[shard].state = .done
    }
  }

  // MARK: Shards and trials

  mutating func insertTrial(
    _ sweep: Int, _ trial: Trial, shardOrdinal: Int, state: TrialState, stage: Int, origin: TrialOrigin
  ) throws -> Bool {
    guard sweeps[sweep].trialIndex[trial.id] == nil else { return false }
    let domain = try sweeps[sweep].domainIndex(trial.domain)
    sweeps[sweep].trialIndex[trial.id] = sweeps[sweep].trials.count
    sweeps[sweep].trials.append(
      MemoryTrial(
        id: trial.id, domain: domain, idx: trial.index, shardOrdinal: shardOrdinal, params: trial.params,
        argv: trial.argv, stage: stage, origin: origin, state: state))
    sweeps[sweep].counts[domain].add(state, 1)
    if state.isOpen { sweeps[sweep].open += 1 }
    sweeps[sweep].nextIndex[domain] = max(sweeps[sweep].nextIndex[domain], trial.index + 1)
    return true
  }

  mutating func insertShard(_ sweep: Int, domain: String, ordinal: Int, position: Int64, state: ShardState) throws {
    let domainIndex = try sweeps[sweep].domainIndex(domain)
    // Its trials are the ones inserted since the last shard with this domain and ordinal.
    let first = sweeps[sweep].unsharded
    var end = first
    while end < sweeps[sweep].trials.count, sweeps[sweep].trials[end].domain == domainIndex,
      sweeps[sweep].trials[end].shardOrdinal == ordinal
    {
      sweeps[sweep].trials[end].shard = sweeps[sweep].shards.count
      end += 1
    }
    sweeps[sweep].unsharded = end
    sweeps[sweep].shards.append(
      MemoryShard(domain: domainIndex, ordinal: ordinal, position: position, trials: first..<end, state: state))
    if state == .pending { sweeps[sweep].queue(sweeps[sweep].shards.count - 1) }
    if sweeps[sweep].shards.count == 1 || position < sweeps[sweep].lowestPosition {
      sweeps[sweep].lowestPosition = position
    }
    sweeps[sweep].nextOrdinal[domainIndex] = max(sweeps[sweep].nextOrdinal[domainIndex], ordinal + 1)
  }

  /// The pending shard with the lowest position, dropping queue entries that are no longer pending.
  mutating func nextPendingShard(_ sweep: Int) -> (shard: MemoryShardRef, fencing: Int64)? {
    while let due = sweeps[sweep].pendingShards.top {
      let shard = sweeps[sweep].shards[due.shard]
      if shard.state == .pending { return (MemoryShardRef(sweep: sweep, shard: due.shard), shard.fencing) }
      sweeps[sweep].pendingShards.pop()
    }
    return nil
  }

  func pendingTrials(_ ref: MemoryShardRef) -> [TrialToLease<MemoryTrialRef>] {
    let sweep = sweeps[ref.sweep]
    return sweep.shards[ref.shard].trials.compactMap { index in
      let trial = sweep.trials[index]
      guard trial.state == .pending else { return nil }
      return TrialToLease(
        ref: MemoryTrialRef(sweep: ref.sweep, trial: index), id: trial.id, domain: sweep.spec.domains[trial.domain],
        attempts: trial.attempts.count, failures: trial.failures, params: trial.params, argv: trial.argv)
    }
  }

  func shardHasPendingTrials(_ ref: MemoryShardRef) -> Bool {
    sweeps[ref.sweep].shards[ref.shard].trials.contains { sweeps[ref.sweep].trials[$0].state == .pending }
  }

  func trialShard(_ ref: MemoryTrialRef) -> (ref: MemoryShardRef, state: ShardState) {
    let shard = sweeps[ref.sweep].trials[ref.trial].shard
    return (MemoryShardRef(sweep: ref.sweep, shard: shard), sweeps[ref.sweep].shards[shard].state)
  }

  mutating func setShardState(_ ref: MemoryShardRef, _ state: ShardState) {
    if state == .pending {
      sweeps[ref.sweep].queue(ref.shard)
    } else {
      sweeps[ref.sweep].shards[ref.shard].state = state
    }
  }

  mutating func leaseShard(_ ref: MemoryShardRef, fencing: Int64) {
    sweeps[ref.sweep].shards[ref.shard].state = .leased
    sweeps[ref.sweep].shards[ref.shard].fencing = fencing
  }

  mutating func cancelShardTrials(_ ref: MemoryShardRef) {
    for index in sweeps[ref.sweep].shards[ref.shard].trials
    where [.pending, .leased].contains(sweeps[ref.sweep].trials[index].state) {
      sweeps[ref.sweep].setState(index, .cancelled)
    }
  }

  func trialRow(_ ref: MemoryTrialRef) -> TrialRow {
    let trial = sweeps[ref.sweep].trials[ref.trial]
    return TrialRow(
      state: trial.state, attempts: trial.attempts.count, failures: trial.failures,
      completedAttempt: trial.completedAttempt, pruned: trial.pruneReason != nil,
      maxAttempts: sweeps[ref.sweep].spec.maxAttempts)
  }

  func trialForReport(sweepID: String, trialID: String) -> TrialForReport<Int, MemoryTrialRef>? {
    guard let sweep = sweepIndex[sweepID], let index = sweeps[sweep].trialIndex[trialID] else { return nil }
    let ref = MemoryTrialRef(sweep: sweep, trial: index)
    return TrialForReport(
      sweep: sweep, trial: ref, row: trialRow(ref),
      domain: sweeps[sweep].spec.domains[sweeps[sweep].trials[index].domain],
      objectiveMetric: sweeps[sweep].spec.objective.metric, parameterNames: sweeps[sweep].spec.resultParameterNames,
      trialPrice: sweeps[sweep].spec.trialPrice?.perTrialAmount)
  }

  mutating func setTrialState(_ ref: MemoryTrialRef, _ state: TrialState, failures: Int) {
    sweeps[ref.sweep].setState(ref.trial, state)
    sweeps[ref.sweep].trials[ref.trial].failures = failures
  }

  mutating func completeTrial(_ ref: MemoryTrialRef, attempt: Int, objective: Double?, durationMs: Int64?) {
    sweeps[ref.sweep].setState(ref.trial, .succeeded)
    sweeps[ref.sweep].trials[ref.trial].completedAttempt = attempt
    sweeps[ref.sweep].trials[ref.trial].objective = objective
    sweeps[ref.sweep].trials[ref.trial].durationMs = durationMs
    // Other attempts of this trial still running: their leases' heartbeats will cancel them.
    for (number, other) in sweeps[ref.sweep].trials[ref.trial].attempts.enumerated()
    where number + 1 != attempt && other.outcome == .running {
      if let position = leasePosition(other.leaseID) { leases[position].runsCompletedTrials = true }
    }
  }

  mutating func recordPrunedResult(_ ref: MemoryTrialRef, attempt: Int, objective: Double?, durationMs: Int64?) {
    if let objective { sweeps[ref.sweep].trials[ref.trial].objective = objective }
    sweeps[ref.sweep].trials[ref.trial].durationMs = durationMs
    sweeps[ref.sweep].trials[ref.trial].completedAttempt = attempt
  }

  mutating func takeObjectiveFromLastRung(_ ref: MemoryTrialRef) {
    sweeps[ref.sweep].trials[ref.trial].objective =
      sweeps[ref.sweep].trials[ref.trial].rungs.max { $0.rung < $1.rung }?.value
  }

  // MARK: Attempts and results

  mutating func startAttempt(
    _ ref: MemoryTrialRef, attempt: Int, lease: Int, leaseID: String, worker: Int, workerID: String, now: Timestamp
  ) throws {
    // Attempts are numbered from one without gaps: `attempts[n - 1]` is attempt n.
    guard attempt == sweeps[ref.sweep].trials[ref.trial].attempts.count + 1 else {
      throw StoreError.corrupt("attempt \(attempt) of trial \(sweeps[ref.sweep].trials[ref.trial].id) out of order")
    }
    sweeps[ref.sweep].setState(ref.trial, .leased)
    sweeps[ref.sweep].trials[ref.trial].attempts.append(
      MemoryAttempt(leaseID: leaseID, workerID: workerID, startedAt: now))
    leaseAttempts[lease].append((ref.trial, attempt))
  }

  func attempt(_ ref: MemoryTrialRef, _ number: Int) -> AttemptRow? {
    let attempts = sweeps[ref.sweep].trials[ref.trial].attempts
    guard number >= 1, number <= attempts.count else { return nil }
    return AttemptRow(
      leaseID: attempts[number - 1].leaseID, outcome: attempts[number - 1].outcome,
      workerID: attempts[number - 1].workerID)
  }

  mutating func endAttempt(
    _ ref: MemoryTrialRef, _ number: Int, outcome: AttemptOutcome, reason: String, at time: Timestamp,
    cost: MicroDollars
  ) {
    sweeps[ref.sweep].trials[ref.trial].attempts[number - 1].outcome = outcome
    sweeps[ref.sweep].trials[ref.trial].attempts[number - 1].reason = reason
    sweeps[ref.sweep].trials[ref.trial].attempts[number - 1].endedAt = time
    sweeps[ref.sweep].addCost(ref.trial, attempt: number, cost)
  }

  func attemptCost(_ ref: MemoryTrialRef, _ number: Int) -> MicroDollars {
    sweeps[ref.sweep].trials[ref.trial].attempts[number - 1].cost
  }

  func storedAck(_ ref: MemoryTrialRef, _ number: Int) -> ResultAck? {
    let attempts = sweeps[ref.sweep].trials[ref.trial].attempts
    guard number >= 1, number <= attempts.count else { return nil }
    return attempts[number - 1].result?.ack
  }

  mutating func insertResult(
    _ ref: MemoryTrialRef, _ number: Int, report: ResultReport, completed: Bool, workerID: String, now: Timestamp,
    ack: ResultAck
  ) {
    sweeps[ref.sweep].trials[ref.trial].attempts[number - 1].result = MemoryResult(
      status: report.status, completed: completed, metrics: report.metrics, exitCode: report.exitCode,
      stderrTail: report.stderrTail.map { String($0.suffix(8192)) },
      durationMs: Scheduler.milliseconds(report.durationS), workerID: workerID, reportedAt: now, ack: ack)
  }
}
