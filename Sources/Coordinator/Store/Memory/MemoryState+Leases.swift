import Shared

extension MemoryState {
  /// As ``SQLiteStore/heartbeat(leaseID:workerID:request:now:policy:)``. Progress is not kept:
  /// only early stopping reads it, and the memory store runs sweeps without strategies.
  mutating func heartbeat(
    leaseID: String, workerID: String, request: HeartbeatRequest, now: Timestamp, policy: LeasePolicy
  ) throws(StoreError) -> HeartbeatResponse {
    let l = try ownedLease(leaseID, workerID: workerID)
    presence[leases[l].worker].touch(now)
    if let rejection = leases[l].lifecycle.check(token: request.fencingToken, now: now) {
      if rejection == .expired { _ = try expire(l, now: now) }
      throw SQLiteStore.conflict(rejection, leaseID: leaseID)
    }
    var actions: [LeaseAction] = []
    let sweep = leases[l].sweep
    let sweepState = sweeps[sweep].state
    if sweepState == "cancelled" {
      actions.append(LeaseAction(kind: .stopAll, reason: "sweep_cancelled"))
    }
    for (index, attempt) in leases[l].runsCompletedTrials ? leases[l].attempts : [] {
      guard sweeps[sweep].trials[index].state == .succeeded,
        sweeps[sweep].trials[index].attempts[attempt - 1].state == "running"
      else { continue }
      actions.append(
        LeaseAction(
          kind: .cancelTrial, trialId: sweeps[sweep].trials[index].id,
          reason: "trial_already_completed by attempt \(sweeps[sweep].trials[index].completedAttempt ?? 0)"))
    }
    var allowance: Duration? = nil
    if leases[l].isPaid, let paidUntil = leases[l].paidUntil, let reservation = leases[l].reservation {
      var remaining = policy.allowance(paidUntil: paidUntil, now: now)
      let expected = leases[l].expected
      if sweepState == "running", policy.shouldExtend(remainingAllowance: remaining, expectedTrial: expected) {
        let chunk = policy.chunk(expectedTrial: expected)
        let grown: Reservation?
        do {
          grown = try sweeps[sweep].ledger.extend(reservation, by: leases[l].slotRate.cost(of: chunk))
        } catch {
          throw .corrupt("ledger of \(sweeps[sweep].id): \(error)")
        }
        if let grown {
          leases[l].held = grown.amount
          leases[l].paidUntil = paidUntil + chunk
          remaining = policy.allowance(paidUntil: paidUntil + chunk, now: now)
        }
      }
      allowance = remaining
    }
    leases[l].expiresAt = policy.expiry(now: now, paidUntil: leases[l].paidUntil)
    return HeartbeatResponse(
      expiresAt: leases[l].expiresAt.iso8601, allowanceS: allowance?.secondsDouble,
      actions: actions.isEmpty ? Self.continueOnly : actions)
  }

  mutating func release(leaseID: String, workerID: String, request: ReleaseRequest, now: Timestamp)
    throws(StoreError) -> ReleaseResponse
  {
    let l = try ownedLease(leaseID, workerID: workerID)
    if let rejection = leases[l].lifecycle.check(token: request.fencingToken, now: now) {
      if rejection == .expired { _ = try expire(l, now: now) }
      throw SQLiteStore.conflict(rejection, leaseID: leaseID)
    }
    return try releaseAttempts(l, trialIDs: request.trialIds, now: now, reason: "released by the worker")
  }

  mutating func reap(now: Timestamp) throws(StoreError) -> ReapSummary {
    var summary = ReapSummary()
    var due: [Int] = []
    while let top = expiries.top, top.expiresAt <= now {
      expiries.pop()
      let lease = leases[top.lease]
      guard lease.state == "active" else { continue }
      // Renewed since it was queued: queue it again at its new expiry.
      guard lease.expiresAt <= now else {
        expiries.push(LeaseDue(expiresAt: lease.expiresAt, lease: top.lease))
        continue
      }
      due.append(top.lease)
    }
    // SQLite's order: by expiry, then by insertion.
    due.sort { (leases[$0].expiresAt, $0) < (leases[$1].expiresAt, $1) }
    for l in due {
      let outcome = try expire(l, now: now)
      summary.expiredLeases += 1
      summary.requeuedTrials += outcome.requeued
      summary.failedTrials += outcome.failed
      summary.lostWorkers += outcome.workerLost ? 1 : 0
    }
    return summary
  }

  static let continueOnly = [LeaseAction(kind: .continue)]

  /// A lease id names its position (`ls-m<position + 1>`): read back without a dictionary of a
  /// million ids, and checked against the stored id so that a forged one is not found.
  func leasePosition(_ leaseID: String) -> Int? {
    guard leaseID.hasPrefix("ls-m") else { return nil }
    var number = 0
    var digits = 0
    for byte in leaseID.utf8.dropFirst(4) {
      guard (48...57).contains(byte), digits < 18 else { return nil }
      number = number * 10 + Int(byte - 48)
      digits += 1
    }
    guard number >= 1, number <= leases.count, leases[number - 1].id == leaseID else { return nil }
    return number - 1
  }

  // MARK: - Shared steps (as in SQLiteStore+Leases)

  func ownedLease(_ leaseID: String, workerID: String) throws(StoreError) -> Int {
    guard let l = leasePosition(leaseID) else {
      throw .notFound(code: "lease_not_found", message: "no lease '\(leaseID)'")
    }
    guard leases[l].workerID == workerID else {
      throw .forbidden(code: "not_your_lease", message: "lease '\(leaseID)' is held by another worker")
    }
    return l
  }

  mutating func expire(_ l: Int, now: Timestamp) throws(StoreError) -> SQLiteStore.CloseOutcome {
    let lease = leases[l]
    let (end, reason, countsAsFailure) = lease.expiryTerms(now: now)
    var outcome = try endAttempts(
      l, trialIDs: nil, state: "expired", reason: reason, countsAsFailure: countsAsFailure, at: end)
    try closeLease(l, end: .expired, at: end)
    if presence[lease.worker].activeLeases == 0, presence[lease.worker].state == .active {
      presence[lease.worker].state = .lost
      outcome.workerLost = true
    }
    return outcome
  }

  /// The lease's attempts that are still running, in trial-id order (as SQLite orders them).
  func runningAttempts(_ l: Int) -> [(trial: Int, attempt: Int, id: String)] {
    let sweep = leases[l].sweep
    let running = leases[l].attempts.compactMap { index, attempt -> (trial: Int, attempt: Int, id: String)? in
      sweeps[sweep].trials[index].attempts[attempt - 1].state == "running"
        ? (index, attempt, sweeps[sweep].trials[index].id) : nil
    }
    return running.count > 1 ? running.sorted { $0.id < $1.id } : running
  }

  @discardableResult
  mutating func releaseAttempts(_ l: Int, trialIDs: [String]?, now: Timestamp, reason: String)
    throws(StoreError) -> ReleaseResponse
  {
    let running = runningAttempts(l).map(\.id)
    let chosen = trialIDs.map { wanted in running.filter(Set(wanted).contains) } ?? running
    _ = try endAttempts(l, trialIDs: chosen, state: "released", reason: reason, countsAsFailure: false, at: now)
    let still = runningAttempts(l).count
    if still == 0 { try closeLease(l, end: .released, at: now) }
    return ReleaseResponse(released: chosen, leaseClosed: still == 0)
  }

  mutating func endAttempts(
    _ l: Int, trialIDs: [String]?, state: String, reason: String, countsAsFailure: Bool, at time: Timestamp
  ) throws(StoreError) -> SQLiteStore.CloseOutcome {
    var outcome = SQLiteStore.CloseOutcome()
    var rows = runningAttempts(l)
    if let trialIDs {
      let wanted = Set(trialIDs)
      rows = rows.filter { wanted.contains($0.id) }
    }
    var charge = try chargeLease(l, upTo: time)
    let sweep = leases[l].sweep
    for row in rows {
      sweeps[sweep].trials[row.trial].attempts[row.attempt - 1].state = state
      sweeps[sweep].trials[row.trial].attempts[row.attempt - 1].reason = reason
      sweeps[sweep].trials[row.trial].attempts[row.attempt - 1].endedAt = time
      sweeps[sweep].addCost(row.trial, attempt: row.attempt, charge)
      charge = .zero
      switch moveTrial(sweep, row.trial, attempt: row.attempt, countsAsFailure: countsAsFailure) {
      case .requeue: outcome.requeued += 1
      case .fail: outcome.failed += 1
      default: break
      }
    }
    return outcome
  }

  mutating func moveTrial(_ sweep: Int, _ index: Int, attempt: Int, countsAsFailure: Bool) -> TrialLifecycle.Action {
    var lifecycle = TrialLifecycle(
      state: sweeps[sweep].trials[index].state, attempts: sweeps[sweep].trials[index].attempts.count,
      failures: sweeps[sweep].trials[index].failures, maxAttempts: sweeps[sweep].spec.maxAttempts,
      completedAttempt: sweeps[sweep].trials[index].completedAttempt)
    let action = lifecycle.attemptEnded(attempt: attempt, countsAsFailure: countsAsFailure)
    if action != .ignore {
      sweeps[sweep].setState(index, lifecycle.state)
      sweeps[sweep].trials[index].failures = lifecycle.failures
    }
    return action
  }

  mutating func chargeLease(_ l: Int, upTo time: Timestamp) throws(StoreError) -> MicroDollars {
    guard leases[l].state == "active", leases[l].isPaid, let reservation = leases[l].reservation else { return .zero }
    var meter = leases[l].meter
    let increment = meter.charge(upTo: time)
    guard increment > .zero else { return .zero }
    let remaining: Reservation
    do {
      remaining = try sweeps[leases[l].sweep].ledger.charge(reservation, increment)
    } catch {
      throw .corrupt("ledger of \(sweeps[leases[l].sweep].id): \(error)")
    }
    leases[l].charged = meter.charged
    leases[l].held = remaining.amount
    let worker = leases[l].worker
    workers[worker].spent = MicroDollars(workers[worker].spent.value + increment.value)
    return increment
  }

  mutating func closeLease(_ l: Int, end: LeaseEnd, at time: Timestamp) throws(StoreError) {
    guard leases[l].state == "active" else { return }
    let sweep = leases[l].sweep
    if let reservation = leases[l].reservation {
      do {
        try sweeps[sweep].ledger.settle(reservation, actual: .zero)
      } catch {
        throw .corrupt("ledger of \(sweeps[sweep].id): \(error)")
      }
    }
    leases[l].state = end.rawValue
    leases[l].held = .zero
    leases[l].closedAt = time
    presence[leases[l].worker].activeLeases -= 1
    let shard = leases[l].shard
    let trials = sweeps[sweep].shards[shard].trials
    let pending = trials.contains { sweeps[sweep].trials[$0].state == .pending }
    sweeps[sweep].shards[shard].state = pending ? "pending" : "done"
    if pending { sweeps[sweep].pendingShards.push(shard) }
    if sweeps[sweep].state == "cancelled" {
      for index in trials where [.pending, .leased].contains(sweeps[sweep].trials[index].state) {
        sweeps[sweep].setState(index, .cancelled)
      }
    }
    completeIfFinished(sweep, now: time)
  }

  mutating func completeIfFinished(_ sweep: Int, now: Timestamp) {
    if sweeps[sweep].open == 0, sweeps[sweep].state == "running", !sweeps[sweep].spec.hasStrategies {
      sweeps[sweep].state = "completed"
      sweeps[sweep].finishedAt = now
    }
  }
}
