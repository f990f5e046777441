import Shared

extension MemoryState {
  // MARK: Leases

  mutating func insertLease(_ new: NewLease<Int, MemoryShardRef, Int>) -> (ref: Int, id: String) {
    let position = leases.count
    leases.append(
      MemoryLease(
        ref: position, sweepRef: new.sweep, shardRef: new.shard, workerID: new.workerID, workerRef: new.worker,
        fencing: new.fencing, grantedAt: new.grantedAt,
        slotRate: new.slotRate, expected: new.expected, reservationID: new.reservation?.id, expiresAt: new.expiresAt,
        paidUntil: new.paidUntil, held: new.reservation?.amount ?? .zero, tail: new.tail))
    leaseAttempts.append([])
    expiries.push(LeaseDue(expiresAt: new.expiresAt, lease: position))
    presence[new.worker].activeLeases += 1
    if !workers[new.worker].record.hourlyRate.isFree { workers[new.worker].billingLeases.append(position) }
    return (position, Self.leaseID(position))
  }

  /// A lease's id: `ls-m` and its position + 1.
  static func leaseID(_ position: Int) -> String { "ls-m\(position + 1)" }

  func lease(id: String) -> MemoryLease? { leasePosition(id).map { leases[$0] } }

  func lease(_ ref: Int) -> MemoryLease { leases[ref] }

  /// A lease id names its position (`ls-m<position + 1>`): read back without a dictionary of a
  /// million ids. Only the canonical spelling is found (no sign, no leading zero).
  func leasePosition(_ leaseID: String) -> Int? {
    guard leaseID.hasPrefix("ls-m") else { return nil }
    var number = 0
    var digits = 0
    for byte in leaseID.utf8.dropFirst(4) {
      guard (48...57).contains(byte), digits < 18, digits > 0 || byte != 48 else { return nil }
      number = number * 10 + Int(byte - 48)
      digits += 1
    }
    guard number >= 1, number <= leases.count else { return nil }
    return number - 1
  }

  mutating func dueLeases(now: Timestamp) -> [Int] {
    var due: [Int] = []
    while let top = expiries.top, top.expiresAt <= now {
      expiries.pop()
      guard leases[top.lease].state == .active else { continue }
      // Renewed since it was queued: queue it again at its new expiry.
      let expiresAt = leases[top.lease].expiresAt
      guard expiresAt <= now else {
        expiries.push(LeaseDue(expiresAt: expiresAt, lease: top.lease))
        continue
      }
      due.append(top.lease)
    }
    // SQLite's order: by expiry, then by insertion.
    return due.sorted { (leases[$0].expiresAt, $0) < (leases[$1].expiresAt, $1) }
  }

  func activeLeases(_ worker: Int) -> [Int] {
    leases.indices.filter { leases[$0].workerRef == worker && leases[$0].state == .active }
  }

  func runningAttempts(_ lease: Int) -> [RunningAttempt<MemoryTrialRef>] {
    let sweep = leases[lease].sweepRef
    let running = leaseAttempts[lease].compactMap { index, attempt -> RunningAttempt<MemoryTrialRef>? in
      sweeps[sweep].trials[index].attempts[attempt - 1].outcome == .running
        ? RunningAttempt(
          trial: MemoryTrialRef(sweep: sweep, trial: index), trialID: sweeps[sweep].trials[index].id, attempt: attempt)
        : nil
    }
    return running.count > 1 ? running.sorted { $0.trialID < $1.trialID } : running
  }

  func completedTrialsStillRunning(_ lease: Int) -> [(trialID: String, completedAttempt: Int)] {
    guard leases[lease].runsCompletedTrials else { return [] }
    let sweep = leases[lease].sweepRef
    return leaseAttempts[lease].compactMap { index, attempt in
      let trial = sweeps[sweep].trials[index]
      guard trial.state == .succeeded, trial.attempts[attempt - 1].outcome == .running else { return nil }
      return (trial.id, trial.completedAttempt ?? 0)
    }
  }

  mutating func renewLease(_ lease: Int, expiresAt: Timestamp, paidUntil: Timestamp?, held: MicroDollars) {
    leases[lease].expiresAt = expiresAt
    leases[lease].paidUntil = paidUntil
    leases[lease].held = held
  }

  func activeLeases() -> [Int] { leases.indices.filter { leases[$0].state == .active } }

  mutating func excuseLease(_ lease: Int, expiresAt: Timestamp, until: Timestamp) {
    leases[lease].expiresAt = expiresAt
    leases[lease].excusedUntil = until
    // Only ever later than before: its entry in `expiries` comes up first and is queued again.
  }

  mutating func setLeaseCharge(_ lease: Int, charged: MicroDollars, held: MicroDollars) {
    leases[lease].charged = charged
    leases[lease].held = held
  }

  mutating func closeLease(_ lease: Int, _ end: LeaseEnd, at time: Timestamp) {
    leases[lease].state = LeaseState(end)
    leases[lease].held = .zero
    leases[lease].closedAt = time
    presence[leases[lease].workerRef].activeLeases -= 1
  }

  mutating func recordProgress(_ lease: Int, _ progress: TrialProgress, now: Timestamp) {
    let sweep = leases[lease].sweepRef
    let index =
      leaseAttempts[lease].first { sweeps[sweep].trials[$0.trial].id == progress.trialId }?.trial
      ?? sweeps[sweep].trialIndex[progress.trialId]
    guard let index, progress.attempt >= 1, progress.attempt <= sweeps[sweep].trials[index].attempts.count else {
      return
    }
    sweeps[sweep].trials[index].attempts[progress.attempt - 1].progress = progress
  }

  // MARK: Workers

  mutating func insertWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp) throws {
    guard workerIndex[id] == nil else {
      throw StoreError.conflict(code: "worker_exists", message: "worker '\(id)' exists")
    }
    workerIndex[id] = workers.count
    workers.append(
      MemoryWorker(
        record: WorkerRecord(
          id: id, name: request.name, provider: request.provider,
          hourlyRate: HourlyRate(microDollarsPerHour: request.hourlyCostUsd.micros.value), gpu: request.gpu,
          slots: request.slots, labels: request.labels ?? [:], secretHash: secretHash, state: .active),
        registeredAt: now, maxIdle: request.maxIdle, bill: WorkerBill(from: request.billingStart(now: now)),
        subscription: request.subscription.flatMap { terms in
          terms.periodLength.map { WorkerSubscription(fee: terms.feeUsd.micros, period: $0, paidUntil: nil) }
        }))
    presence.append(WorkerPresence(lastSeen: now))
  }

  func workerTerms(id: String) -> WorkerTerms<Int>? {
    workerIndex[id].map { slot in
      WorkerTerms(
        ref: slot, state: presence[slot].state, slots: workers[slot].record.slots,
        hourlyRate: workers[slot].record.hourlyRate)
    }
  }

  mutating func touchWorker(_ worker: Int, now: Timestamp, paused: PauseReason?) {
    presence[worker].lastSeen = now
    presence[worker].state = .active
    presence[worker].paused = paused
  }

  mutating func setWorkerState(_ worker: Int, _ state: WorkerState, lastSeen: Timestamp?) {
    presence[worker].state = state
    if let lastSeen { presence[worker].lastSeen = lastSeen }
  }

  func workerState(_ worker: Int) -> WorkerState { presence[worker].state }

  func workerAccount(_ worker: Int) -> WorkerAccount<Int> {
    let row = workers[worker]
    return WorkerAccount(
      hourlyRate: row.record.hourlyRate, slots: row.record.slots, maxIdle: row.maxIdle,
      lastSeen: presence[worker].lastSeen, bill: row.bill, unbudgeted: row.unbudgeted, hold: row.hold)
  }

  mutating func setWorkerAccount(_ worker: Int, _ account: WorkerAccount<Int>) {
    workers[worker].bill = account.bill
    workers[worker].unbudgeted = account.unbudgeted
    workers[worker].hold = account.hold
  }

  mutating func busySpans(_ worker: Int, since: Timestamp, now: Timestamp) -> [WorkerBill.Busy] {
    workers[worker].billingLeases.removeAll { leases[$0].closedAt.map { $0 <= since } ?? false }
    return workers[worker].billingLeases.map {
      WorkerBill.Busy(
        grantedAt: leases[$0].grantedAt, closedAt: leases[$0].closedAt, paidUntil: leases[$0].paidUntil, now: now,
        expiresAt: leases[$0].expiresAt)
    }
  }

  func workerSubscription(_ worker: Int) -> WorkerSubscription? { workers[worker].subscription }

  mutating func setSubscriptionPaid(_ worker: Int, until: Timestamp, fee: MicroDollars) {
    workers[worker].subscription?.paidUntil = until
    workers[worker].subscriptionCharged = MicroDollars(workers[worker].subscriptionCharged.value + fee.value)
  }

  func silentHoldingWorkers(now: Timestamp, ttl: Duration) -> [Int] {
    workers.indices.filter { slot in
      workers[slot].hold != nil && presence[slot].state != .deregistered
        && presence[slot].lastSeen + (workers[slot].maxIdle ?? ttl) < now
    }
  }

  func activeLeaseCount(_ worker: Int) -> Int { presence[worker].activeLeases }

  mutating func addWorkerSpend(_ worker: Int, _ amount: MicroDollars) {
    workers[worker].spent = MicroDollars(workers[worker].spent.value + amount.value)
  }

  mutating func countCompletedTrial(_ worker: Int, sweep: Int, durationMs: Int64?) {
    workers[worker].trialsDone += 1
    if let durationMs { workers[worker].remember(sweep: sweep, durationMs: durationMs) }
  }

  func recentDurations(_ worker: Int, sweep: Int) -> [Duration] {
    (workers[worker].recent[sweep] ?? []).map { .milliseconds($0) }
  }
}
