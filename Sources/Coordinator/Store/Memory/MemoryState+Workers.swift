import Shared

extension MemoryState {
  func listWorkers() -> [WorkerSummary] {
    var leasesByWorker: [Int: [String]] = [:]
    for lease in leases where lease.state == .active {
      leasesByWorker[lease.workerRef, default: []].append(Self.leaseID(lease.ref))
    }
    // As SQLite orders it: by registration time, then by id.
    let order = workers.indices.sorted {
      (workers[$0].registeredAt, workers[$0].record.id) < (workers[$1].registeredAt, workers[$1].record.id)
    }
    return order.map { slot in
      let worker = workers[slot]
      let record = worker.record
      let id = record.id
      return WorkerSummary(
        id: id, name: record.name, provider: record.provider,
        hourlyCostUsd: DollarAmount(MicroDollars(record.hourlyRate.microDollarsPerHour)), gpu: record.gpu,
        slots: record.slots, labels: record.labels, state: presence[slot].state,
        currentLeases: leasesByWorker[slot] ?? [],
        trialsDone: worker.trialsDone, spentUsd: DollarAmount(worker.spent), lastSeen: presence[slot].lastSeen.iso8601,
        registeredAt: worker.registeredAt.iso8601, paused: presence[slot].paused,
        billing: record.hourlyRate.isFree
          ? nil
          : WorkerBilling(
            bill: worker.bill, slots: record.slots, spent: worker.spent, unbudgeted: worker.unbudgeted,
            idleSweepID: worker.hold.map { sweeps[$0.sweep].id }, idleHeld: worker.hold?.reservation.amount ?? .zero,
            maxIdle: worker.maxIdle),
        subscription: SubscriptionStatus(
          fee: worker.subscription?.fee.value, periodMs: worker.subscription?.period.wholeMilliseconds,
          paidUntil: worker.subscription?.paidUntil?.milliseconds, charged: worker.subscriptionCharged.value))
    }
  }

  func gauges() -> StoreGauges {
    let active = leases.filter { $0.state == .active }
    return StoreGauges(
      activeWorkers: presence.filter { $0.state == .active }.count, activeLeases: active.count,
      spent: MicroDollars(sweeps.reduce(0) { $0 + $1.ledger.spent.value }),
      reserved: MicroDollars(sweeps.reduce(0) { $0 + $1.ledger.reserved.value }),
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
        // As SQLite orders it: trials without an objective last, then by objective, then by index.
        rows = Array(
          rows.sorted {
            switch (sweep.trials[$0].objective, sweep.trials[$1].objective) {
            case (let a?, let b?) where a != b: return spec.objective.goal == .maximize ? a > b : a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return sweep.trials[$0].idx < sweep.trials[$1].idx
            }
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
    var record = ResultRecord(
      sweepID: sweep.id, domain: sweep.spec.domains[trial.domain], trialID: trial.id,
      params: trial.params.map { ($0.name, $0.value) },
      metrics: (result?.metrics ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
      cost: MicroDollars(trial.attempts.reduce(0) { $0 + $1.cost.value }), status: trial.state.rawValue,
      attempt: number, durationSeconds: seconds, worker: worker?.record.name,
      provider: worker?.record.provider.rawValue, hourlyRate: worker?.record.hourlyRate,
      startedAt: attempt?.startedAt, finishedAt: finished,
      stage: sweep.spec.hasStrategies && sweep.spec.stages.indices.contains(trial.stage)
        ? sweep.spec.stages[trial.stage].name : nil,
      origin: trial.origin.rawValue)
    record.exitCode = result?.exitCode
    if trial.state != .succeeded {
      record.error = attempt?.reason
      record.stderrTail = result?.stderrTail
    }
    return record
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
    return (sweep.spec.resultParameterNames, metrics.sorted())
  }
}
