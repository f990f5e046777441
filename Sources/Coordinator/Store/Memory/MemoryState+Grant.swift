import Shared

extension MemoryState {
  /// As ``SQLiteStore/grantLease(workerID:now:policy:)``, step for step.
  mutating func grantLease(workerID: String, now: Timestamp, policy: LeasePolicy) throws(StoreError) -> GrantOutcome {
    guard let slot = workerIndex[workerID] else {
      throw .notFound(code: "worker_not_found", message: "no worker '\(workerID)'; register again")
    }
    guard presence[slot].state != .deregistered else {
      throw .gone(code: "worker_deregistered", message: "worker '\(workerID)' was deregistered; register again")
    }
    presence[slot].touch(now)
    let (active, slots) = (presence[slot].activeLeases, workers[slot].record.slots)
    guard active < slots else {
      return .noWork(.slotsFull, "the worker already holds \(active) lease(s) for its \(slots) slot(s)")
    }
    let slotRate = LeaseMeter.slotRate(hourly: workers[slot].record.hourlyRate, slots: slots)
    var sawBudgetRefusal = false
    for sweepIndex in sweeps.indices where sweeps[sweepIndex].state == "running" {
      while let shardIndex = nextPendingShard(sweepIndex) {
        let shard = sweeps[sweepIndex].shards[shardIndex]
        let trials = shard.trials.filter { sweeps[sweepIndex].trials[$0].state == .pending }
        guard !trials.isEmpty else {
          sweeps[sweepIndex].shards[shardIndex].state = "done"
          continue
        }
        let spec = sweeps[sweepIndex].spec
        let sweepID = sweeps[sweepIndex].id
        let expected = LeasePolicy.expectedTrialDuration(
          estimate: .milliseconds(spec.estimatedTrialDuration.wholeMilliseconds),
          measured: (workers[slot].recent[sweepID] ?? []).map { .milliseconds($0) })
        var paidUntil: Timestamp? = nil
        var reservation: Reservation? = nil
        var allowance: Duration? = nil
        if !slotRate.isFree {
          let terms = policy.paidGrant(trials: trials.count, expectedTrial: expected, slotRate: slotRate)
          let hold: Reservation?
          do {
            hold = try sweeps[sweepIndex].ledger.reserve(terms.cost)
          } catch {
            throw .corrupt("ledger of \(sweepID): \(error)")
          }
          guard let hold else {
            sawBudgetRefusal = true
            break
          }
          reservation = hold
          paidUntil = now + terms.reservedTime
          allowance = terms.allowance
        }
        let fencing = shard.fencing + 1
        let number = leases.count
        let leaseID = "ls-m\(number + 1)"
        let expiresAt = policy.expiry(now: now, paidUntil: paidUntil)
        var lease = MemoryLease(
          id: leaseID, sweep: sweepIndex, shard: shardIndex, workerID: workerID, worker: slot,
          fencing: fencing, grantedAt: now, slotRate: slotRate, expected: expected, reservationID: reservation?.id,
          expiresAt: expiresAt, paidUntil: paidUntil, held: reservation?.amount ?? .zero)
        sweeps[sweepIndex].shards[shardIndex].state = "leased"
        sweeps[sweepIndex].shards[shardIndex].fencing = fencing
        var leased: [LeasedTrial] = []
        for index in trials {
          let trial = sweeps[sweepIndex].trials[index]
          var lifecycle = TrialLifecycle(
            state: .pending, attempts: trial.attempts.count, failures: trial.failures, maxAttempts: spec.maxAttempts)
          guard case .startAttempt(let attempt) = lifecycle.lease() else { continue }
          sweeps[sweepIndex].setState(index, .leased)
          // Attempts are numbered from one without gaps: `attempts[n - 1]` is attempt n.
          sweeps[sweepIndex].trials[index].attempts.append(
            MemoryAttempt(leaseID: leaseID, workerID: workerID, startedAt: now))
          lease.attempts.append((index, attempt))
          leased.append(
            LeasedTrial(
              trialId: trial.id, domain: spec.domains[trial.domain], attempt: attempt,
              params: Dictionary(trial.params.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
              argv: trial.argv))
        }
        leases.append(lease)
        expiries.push(LeaseDue(expiresAt: expiresAt, lease: number))
        presence[slot].activeLeases += 1
        return .granted(
          LeaseGrant(
            leaseId: leaseID, sweepId: sweepID, sweepName: spec.name, fencingToken: fencing,
            expiresAt: expiresAt.iso8601, ttlS: policy.ttl.secondsDouble, allowanceS: allowance?.secondsDouble,
            stopGraceS: policy.stopGrace.secondsDouble,
            trialTimeoutS: spec.trialTimeout.map { Double($0.wholeMilliseconds) / 1000 },
            objectiveMetric: spec.objective.metric, trials: leased))
      }
    }
    if sawBudgetRefusal {
      return .noWork(
        .budgetExhausted,
        "trials are waiting, but the remaining budget cannot pay for them at this worker's rate; free workers carry on")
    }
    if sweeps.last?.state == "cancelled" {
      return .noWork(.sweepCancelled, "the latest sweep was cancelled and no other sweep has pending trials")
    }
    return .noWork(.noPendingTrials, "every trial is finished or leased")
  }

  /// The pending shard with the lowest position, dropping queue entries that are no longer pending.
  mutating func nextPendingShard(_ sweepIndex: Int) -> Int? {
    while let position = sweeps[sweepIndex].pendingShards.top {
      if sweeps[sweepIndex].shards[position].state == "pending" { return position }
      sweeps[sweepIndex].pendingShards.pop()
    }
    return nil
  }
}
