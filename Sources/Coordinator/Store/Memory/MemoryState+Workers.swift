import Shared

extension MemoryState {
  mutating func registerWorker(_ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp)
    throws(StoreError)
  {
    guard workerIndex[id] == nil else { throw .conflict(code: "worker_exists", message: "worker '\(id)' exists") }
    workerIndex[id] = workers.count
    workers.append(
      MemoryWorker(
        record: WorkerRecord(
          id: id, name: request.name, provider: request.provider,
          hourlyRate: HourlyRate(microDollarsPerHour: request.hourlyCostUsd.micros.value), gpu: request.gpu,
          slots: request.slots, labels: request.labels ?? [:], secretHash: secretHash, state: "active"),
        registeredAt: now))
    presence.append(WorkerPresence(lastSeen: now))
  }

  mutating func deregisterWorker(id: String, now: Timestamp) throws(StoreError) {
    guard let slot = workerIndex[id] else { throw .notFound(code: "worker_not_found", message: "no worker '\(id)'") }
    for l in leases.indices where leases[l].worker == slot && leases[l].state == "active" {
      try releaseAttempts(l, trialIDs: nil, now: now, reason: "worker deregistered")
    }
    presence[slot].state = .deregistered
    presence[slot].lastSeen = now
  }

  func listWorkers() -> [WorkerSummary] {
    var leasesByWorker: [Int: [String]] = [:]
    for lease in leases where lease.state == "active" { leasesByWorker[lease.worker, default: []].append(lease.id) }
    return workers.enumerated().map { slot, worker in
      let record = worker.record
      let id = record.id
      return WorkerSummary(
        id: id, name: record.name, provider: record.provider,
        hourlyCostUsd: DollarAmount(MicroDollars(record.hourlyRate.microDollarsPerHour)), gpu: record.gpu,
        slots: record.slots, labels: record.labels, state: presence[slot].state.rawValue,
        currentLeases: leasesByWorker[slot] ?? [],
        trialsDone: worker.trialsDone, spentUsd: DollarAmount(worker.spent), lastSeen: presence[slot].lastSeen.iso8601,
        registeredAt: worker.registeredAt.iso8601)
    }
  }

  func gauges() -> StoreGauges {
    let active = leases.filter { $0.state == "active" }
    return StoreGauges(
      activeWorkers: presence.filter { $0.state == .active }.count, activeLeases: active.count,
      spent: MicroDollars(sweeps.reduce(0) { $0 + $1.ledger.spent.value }),
      reserved: MicroDollars(active.reduce(0) { $0 + $1.held.value }),
      pendingTrials: sweeps.reduce(0) { $0 + $1.counts.reduce(0) { $0 + $1.pending } })
  }

  /// One page of the export, as ``SQLiteStore/exportResults(_:after:limit:)`` orders it.
  func exportResults(_ query: ResultQuery, after cursor: ResultCursor?, limit: Int) throws(StoreError) -> ResultPage {
    let sweep = try sweep(query.sweepID)
    let spec = sweep.spec
    var position = cursor ?? ResultCursor(domainIndex: 0, afterIndex: -1)
    var records: [ResultRecord] = []
    while position.domainIndex < spec.domains.count && records.count < limit {
      let domain = position.domainIndex
      guard query.domain == nil || query.domain == spec.domains[domain] else {
        position = ResultCursor(domainIndex: domain + 1, afterIndex: -1)
        continue
      }
      let finished: [TrialState] = query.bestOnly ? [.succeeded] : [.succeeded, .failed, .pruned]
      var rows = sweep.trials.indices.filter {
        let trial = sweep.trials[$0]
        return trial.domain == domain && trial.idx > position.afterIndex && finished.contains(trial.state)
      }
      if query.bestOnly {
        rows = Array(
          rows.filter { sweep.trials[$0].objective != nil }.sorted {
            let a = sweep.trials[$0].objective!
            let b = sweep.trials[$1].objective!
            if a != b { return spec.objective.goal == .maximize ? a > b : a < b }
            return sweep.trials[$0].idx < sweep.trials[$1].idx
          }.prefix(1))
      } else {
        rows = Array(rows.prefix(limit - records.count))
      }
      records += rows.map { record(sweep, $0) }
      if query.bestOnly || records.count < limit {
        position = ResultCursor(domainIndex: domain + 1, afterIndex: -1)
      } else {
        position.afterIndex = rows.last.map { sweep.trials[$0].idx } ?? position.afterIndex
      }
    }
    return ResultPage(records: records, next: position.domainIndex < spec.domains.count ? position : nil)
  }

  func record(_ sweep: MemorySweep, _ index: Int) -> ResultRecord {
    let trial = sweep.trials[index]
    let number = trial.completedAttempt ?? trial.attempts.count
    let attempt = number >= 1 ? trial.attempts[number - 1] : nil
    let result = attempt?.result
    let worker = attempt.flatMap { workerIndex[$0.workerID] }.map { workers[$0] }
    var seconds = result?.durationMs.map { Double($0) / 1000 }
    let finished = result?.reportedAt ?? attempt?.endedAt
    if seconds == nil, let started = attempt?.startedAt, let finished {
      seconds = Double(finished.milliseconds - started.milliseconds) / 1000
    }
    return ResultRecord(
      sweepID: sweep.id, domain: sweep.spec.domains[trial.domain], trialID: trial.id,
      params: trial.params.map { ($0.name, $0.value) },
      metrics: (result?.metrics ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
      cost: MicroDollars(trial.attempts.reduce(0) { $0 + $1.cost.value }), status: trial.state.rawValue,
      attempt: number, durationSeconds: seconds, worker: worker?.record.name,
      provider: worker?.record.provider.rawValue, hourlyRate: worker?.record.hourlyRate,
      startedAt: attempt?.startedAt, finishedAt: finished)
  }

  func resultColumns(sweepID: String) throws(StoreError) -> (params: [String], metrics: [String]) {
    let sweep = try sweep(sweepID)
    var metrics = Set<String>()
    for trial in sweep.trials {
      for (number, attempt) in trial.attempts.enumerated() {
        guard let result = attempt.result else { continue }
        if result.completed || ([.failed, .pruned].contains(trial.state) && number + 1 == trial.attempts.count) {
          metrics.formUnion(result.metrics.keys)
        }
      }
    }
    return (sweep.spec.space.map(\.name), metrics.sorted())
  }
}
