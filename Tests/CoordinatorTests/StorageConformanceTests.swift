import Coordinator
import Foundation
import Shared
import SpecReading
import Testing

/// Every store runs the same scheduler over its own storage; these scenarios hold each storage
/// (SQLite on a real file, memory) to the same answers, call by call, for every store call: sweeps
/// and their status, workers, grants, heartbeats, reports single and batched, releases, expiry,
/// fencing, the ledger, cancel, deregister, exports, result columns and gauges. A new storage
/// (PostgreSQL) joins `Kind` and passes the same suite.
@Suite struct StorageConformanceTests {
  enum Kind: String, CaseIterable, Sendable {
    case memory, sqlite
  }

  /// A fresh store of `kind`; SQLite's file lives in a folder removed by `cleanup`.
  struct Fixture {
    let store: any SweepStore
    let directory: URL?
    var now = Timestamp(milliseconds: 1_000_000)
    let policy = LeasePolicy(ttl: .seconds(30))

    init(_ kind: Kind) throws {
      switch kind {
      case .memory:
        store = MemoryStore()
        directory = nil
      case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("sweep.db").path)
        self.directory = directory
      }
    }

    func cleanup() {
      if let sqlite = store as? SQLiteStore { try? sqlite.close() }
      if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    mutating func advance(_ seconds: Int64) { now = now + .seconds(seconds) }

    func register(_ id: String, rate: Int64 = 0, slots: Int = 1) async throws {
      try await store.registerWorker(
        RegisterWorkerRequest(
          name: "name-\(id)", provider: rate == 0 ? .local : .runpod, hourlyCostUsd: DollarAmount(MicroDollars(rate)),
          slots: slots), id: id, secretHash: [1, 2, 3], now: now)
    }

    func grant(_ worker: String) async throws -> LeaseGrant {
      let outcome = try await store.grantLease(workerID: worker, now: now, policy: policy)
      guard case .granted(let grant) = outcome else { throw TestFailure("\(worker) got no lease: \(outcome)") }
      return grant
    }

    func noWork(_ worker: String) async throws -> NoWorkReason? {
      if case .noWork(let reason, _) = try await store.grantLease(workerID: worker, now: now, policy: policy) {
        return reason
      }
      return nil
    }

    func report(
      _ grant: LeaseGrant, _ index: Int, worker: String, status: AttemptStatus = .succeeded,
      metrics: [String: Double] = ["accuracy": 0.5], fencing: Int64? = nil
    ) async throws -> ResultAck {
      try await store.report(
        trialID: grant.trials[index].trialId, workerID: worker,
        report: reportBody(grant, index, status: status, metrics: metrics, fencing: fencing), now: now)
    }

    func reportBody(
      _ grant: LeaseGrant, _ index: Int, status: AttemptStatus = .succeeded, metrics: [String: Double] = [:],
      fencing: Int64? = nil
    ) -> ResultReport {
      ResultReport(
        sweepId: grant.sweepId, leaseId: grant.leaseId, fencingToken: fencing ?? grant.fencingToken,
        attempt: grant.trials[index].attempt, status: status, metrics: metrics,
        exitCode: status == .failed ? 1 : nil, durationS: 12)
    }

    func heartbeat(_ grant: LeaseGrant, worker: String, progress: [TrialProgress] = []) async throws
      -> HeartbeatResponse
    {
      try await store.heartbeat(
        leaseID: grant.leaseId, workerID: worker,
        request: HeartbeatRequest(fencingToken: grant.fencingToken, progress: progress), now: now, policy: policy)
    }
  }

  static func spec(
    trials: Int = 4, shard: Int = 2, budget: String = "10", maxAttempts: Int = 2, domains: String = "[a, b]",
    extra: String = ""
  ) throws -> SweepSpec {
    try SpecDecoder.decode(
      """
      name: conformance
      budget_usd: \(budget)
      domains: \(domains)
      sampler: random
      trials_per_domain: \(trials)
      shard_size: \(shard)
      max_attempts: \(maxAttempts)
      estimate: {minutes_per_trial: 1}
      objective: {metric: accuracy, goal: maximize}
      space:
        x: {uniform: [0, 1]}
        epochs: 4
      command: [train, "{x}", "{epochs}"]
      \(extra)
      """, file: "conformance.yaml")
  }

  /// Runs `body` on a fresh store of `kind`, always cleaning up.
  static func on(_ kind: Kind, _ body: (inout Fixture) async throws -> Void) async throws {
    var fixture = try Fixture(kind)
    defer { fixture.cleanup() }
    try await body(&fixture)
  }

  static func storeError(_ body: () async throws -> some Any) async -> StoreError? {
    do {
      _ = try await body()
      return nil
    } catch let error as StoreError {
      return error
    } catch {
      return .corrupt("not a StoreError: \(error)")
    }
  }

  static func code(_ error: StoreError?) -> String? {
    switch error {
    case .notFound(let code, _), .forbidden(let code, _), .conflict(let code, _), .gone(let code, _),
      .invalid(let code, _):
      code
    case .corrupt(let message): "corrupt: \(message)"
    case nil: nil
    }
  }

  @Test(arguments: Kind.allCases)
  func aSweepIsStoredWithItsTrialsShardsAndStatus(kind: Kind) async throws {
    try await Self.on(kind) { f in
      let created = try await f.store.createSweep(id: "sw", spec: try Self.spec(), specText: "the text", now: f.now)
      #expect(created.totalTrials == 8 && created.shards == 4 && created.duplicatesRemoved == 0)
      #expect(try await f.store.specText(sweepID: "sw") == "the text")
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.state == .running && status.counts.pending == 8)
      #expect(status.domains.map(\.domain) == ["a", "b"])
      #expect(status.budgetUsd == DollarAmount(MicroDollars(10_000_000)) && status.spentUsd == DollarAmount(.zero))
      #expect(try await f.store.listSweeps().map(\.id) == ["sw"])
      #expect(Self.code(await Self.storeError { try await f.store.sweepStatus(id: "nope") }) == "sweep_not_found")
      #expect(Self.code(await Self.storeError { try await f.store.specText(sweepID: "nope") }) == "sweep_not_found")
      let columns = try await f.store.resultColumns(sweepID: "sw")
      #expect(columns.params == ["x", "epochs"] && columns.metrics.isEmpty)
      let gauges = try await f.store.gauges()
      #expect(gauges.pendingTrials == 8 && gauges.activeLeases == 0 && gauges.activeWorkers == 0)
    }
  }

  @Test(arguments: Kind.allCases)
  func leasesGoOutShardByShardAndResultsCompleteTheSweep(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(id: "sw", spec: try Self.spec(), specText: "", now: f.now)
      try await f.register("w1", slots: 2)
      let first = try await f.grant("w1")
      #expect(first.fencingToken == 1 && first.trials.count == 2 && first.trials.allSatisfy { $0.attempt == 1 })
      #expect(first.trials.allSatisfy { $0.domain == "a" } && first.allowanceS == nil)
      let second = try await f.grant("w1")
      #expect(second.trials.allSatisfy { $0.domain == "a" } && second.leaseId != first.leaseId)
      #expect(try await f.noWork("w1") == .slotsFull)
      #expect(try await f.store.gauges().activeLeases == 2)
      f.advance(5)
      let beat = try await f.heartbeat(
        first, worker: "w1",
        progress: [TrialProgress(trialId: first.trials[0].trialId, attempt: 1, epoch: 1, metrics: ["loss": 0.3])])
      #expect(beat.actions.map(\.kind) == [.continue])
      #expect(beat.expiresAt == (f.now + .seconds(30)).iso8601)
      var values = [0.1, 0.2, 0.3, 0.4]
      for grant in [first, second] {
        for index in grant.trials.indices {
          let value = values.removeFirst()
          let ack = try await f.report(grant, index, worker: "w1", metrics: ["accuracy": value, "loss": 1 - value])
          #expect(ack.outcome == .completed && ack.trialState == TrialState.succeeded.rawValue)
        }
      }
      // The same report twice gets the same answer.
      let again = try await f.report(first, 0, worker: "w1", metrics: ["accuracy": 0.1, "loss": 0.9])
      #expect(again.outcome == .completed)
      #expect(try await f.store.gauges().activeLeases == 0)
      // Domain b, then nothing.
      for _ in 0..<2 {
        let grant = try await f.grant("w1")
        #expect(grant.trials.allSatisfy { $0.domain == "b" })
        for index in grant.trials.indices {
          _ = try await f.report(grant, index, worker: "w1", metrics: ["accuracy": 0.05])
        }
      }
      #expect(try await f.noWork("w1") == .noPendingTrials)
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.state == .completed && status.counts.succeeded == 8)
      #expect(status.domains[0].best?.value == 0.4 && status.domains[0].best?.trialId == second.trials[1].trialId)
      #expect(status.domains[1].best?.value == 0.05)
      let workers = try await f.store.listWorkers()
      #expect(workers.map(\.id) == ["w1"] && workers[0].trialsDone == 8 && workers[0].currentLeases.isEmpty)
      #expect(try await f.store.resultColumns(sweepID: "sw").metrics == ["accuracy", "loss"])
      #expect(try await f.store.expectedTrialDuration(workerID: "w1") == .seconds(12))
    }
  }

  @Test(arguments: Kind.allCases)
  func exportsPageThroughEveryFinishedTrialAndBestOnlyTakesEachDomainsBest(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(id: "sw", spec: try Self.spec(), specText: "", now: f.now)
      try await f.register("w1")
      for _ in 0..<4 {
        let grant = try await f.grant("w1")
        for index in grant.trials.indices {
          let domainA = grant.trials[index].domain == "a"
          _ = try await f.report(grant, index, worker: "w1", metrics: ["accuracy": domainA ? Double(index) : 0.5])
        }
      }
      var cursor: ResultCursor? = nil
      var rows: [ResultRecord] = []
      repeat {
        let page = try await f.store.exportResults(ResultQuery(sweepID: "sw"), after: cursor, limit: 3)
        #expect(page.records.count <= 3)
        rows += page.records
        cursor = page.next
      } while cursor != nil
      #expect(rows.count == 8 && rows.map(\.domain) == ["a", "a", "a", "a", "b", "b", "b", "b"])
      #expect(rows.allSatisfy { $0.status == TrialState.succeeded.rawValue && $0.worker == "name-w1" })
      #expect(rows.allSatisfy { $0.error == nil && $0.stderrTail == nil })
      let best = try await f.store.exportResults(ResultQuery(sweepID: "sw", bestOnly: true), after: nil, limit: 100)
      #expect(best.records.map(\.domain) == ["a", "b"])
      #expect(best.records[0].metrics.first { $0.0 == "accuracy" }?.1 == 1)
      let onlyB = try await f.store.exportResults(ResultQuery(sweepID: "sw", domain: "b"), after: nil, limit: 100)
      #expect(onlyB.records.count == 4 && onlyB.next == nil)
    }
  }

  /// A failed attempt as a broken command gives it: exit `code` after 0.3 s, python's complaint last.
  static func quickFailure(_ f: Fixture, _ grant: LeaseGrant, code: Int = 2, seconds: Double = 0.3) -> ResultReport {
    var body = f.reportBody(grant, 0, status: .failed)
    body.exitCode = code
    body.durationS = seconds
    body.stderrTail = "Traceback…\npython: can't open file '/work/train_lora.py': [Errno 2] No such file or directory"
    return body
  }

  @Test(arguments: Kind.allCases)
  func aSweepWhoseAttemptsAllFailTheSameWayQuicklyPausesItselfAndResumes(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 20, shard: 1, maxAttempts: 3, domains: "[a]"), specText: "", now: f.now)
      try await f.register("w1")
      for _ in 0..<5 {
        let grant = try await f.grant("w1")
        _ = try await f.store.report(
          trialID: grant.trials[0].trialId, workerID: "w1", report: Self.quickFailure(f, grant), now: f.now)
      }
      var status = try await f.store.sweepStatus(id: "sw")
      #expect(status.state == .paused)
      #expect(
        status.pausedReason
          == "every attempt so far failed: exit 2, \"python: can't open file '/work/train_lora.py': [Errno 2] No such file or directory\" (5 in a row, each within 10s)"
      )
      #expect(try await f.noWork("w1") == .sweepPaused)
      #expect(try await f.store.sweepStatus(id: "sw").counts.failed == 1)  // 3 attempts spent, then 2 of another
      status = try await f.store.resumeSweep(id: "sw")
      #expect(status.state == .running && status.pausedReason == nil)
      // the trials that failed for the command's sake get their attempts back
      #expect(status.counts.failed == 0 && status.counts.pending == 20, "\(status.counts)")
      // Counting starts again: four more do not pause it; then a success turns the guard off.
      for _ in 0..<4 {
        let grant = try await f.grant("w1")
        _ = try await f.store.report(
          trialID: grant.trials[0].trialId, workerID: "w1", report: Self.quickFailure(f, grant), now: f.now)
      }
      #expect(try await f.store.sweepStatus(id: "sw").state == .running)
      let good = try await f.grant("w1")
      _ = try await f.report(good, 0, worker: "w1", metrics: ["accuracy": 0.9])
      for _ in 0..<6 {
        let grant = try await f.grant("w1")
        _ = try await f.store.report(
          trialID: grant.trials[0].trialId, workerID: "w1", report: Self.quickFailure(f, grant), now: f.now)
      }
      #expect(try await f.store.sweepStatus(id: "sw").state == .running)
      await #expect(throws: StoreError.self) { _ = try await f.store.resumeSweep(id: "nope") }
    }
  }

  @Test(arguments: Kind.allCases)
  func failuresThatDifferOrTakeTimeDoNotPauseASweep(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 20, shard: 1, maxAttempts: 3, domains: "[a]"), specText: "", now: f.now)
      try await f.register("w1")
      // exit codes 1,2,1,2,1,…: a flaky script, not a broken command; then slow failures.
      for index in 0..<6 {
        let grant = try await f.grant("w1")
        _ = try await f.store.report(
          trialID: grant.trials[0].trialId, workerID: "w1", report: Self.quickFailure(f, grant, code: 1 + index % 2),
          now: f.now)
      }
      for _ in 0..<5 {
        let grant = try await f.grant("w1")
        _ = try await f.store.report(
          trialID: grant.trials[0].trialId, workerID: "w1", report: Self.quickFailure(f, grant, seconds: 60), now: f.now
        )
      }
      #expect(try await f.store.sweepStatus(id: "sw").state == .running)
    }
  }

  @Test(arguments: Kind.allCases)
  func aRunThatExitsZeroWithoutTheObjectiveFailsWithItsReasonInResultsAndStatus(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 1, shard: 1, maxAttempts: 1, domains: "[a]"), specText: "", now: f.now)
      try await f.register("w1")
      let grant = try await f.grant("w1")
      var body = f.reportBody(grant, 0, status: .succeeded, metrics: ["loss": 0.25, "x": 8, "cost": 1])
      body.exitCode = 0
      body.stderrTail = "epoch 1 done"
      let ack = try await f.store.report(trialID: grant.trials[0].trialId, workerID: "w1", report: body, now: f.now)
      #expect(ack.outcome == .recorded && ack.trialState == TrialState.failed.rawValue)
      let rows = try await f.store.exportResults(ResultQuery(sweepID: "sw"), after: nil, limit: 10).records
      #expect(rows.count == 1)
      #expect(rows.first?.status == TrialState.failed.rawValue && rows.first?.exitCode == 0)
      #expect(
        rows.first?.error
          == "failed (exit 0): objective 'accuracy' never reported (last metrics: loss=0.25, metric.cost=1, metric.x=8)"
      )
      #expect(rows.first?.stderrTail == "epoch 1 done")
      // Metrics named like a result column or a parameter are kept under metric.
      #expect(rows.first?.metrics.map(\.0) == ["loss", "metric.cost", "metric.x"])
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.domains[0].commonFailure?.attempts == 1)
      #expect(status.domains[0].commonFailure?.reason.contains("never reported") == true)
    }
  }

  @Test(arguments: Kind.allCases)
  func anExpiredLeaseRequeuesItsTrialsFencesTheOldHolderAndFailsATrialAtMaxAttempts(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 1, shard: 1, domains: "[a]"), specText: "", now: f.now)
      try await f.register("w1")
      try await f.register("w2")
      let first = try await f.grant("w1")
      f.advance(31)
      let reaped = try await f.store.reap(now: f.now)
      #expect(reaped.expiredLeases == 1 && reaped.requeuedTrials == 1 && reaped.lostWorkers == 1)
      #expect(try await f.store.listWorkers().first { $0.id == "w1" }?.state == .lost)
      let expired = await Self.storeError { try await f.heartbeat(first, worker: "w1") }
      #expect(Self.code(expired) == "lease_closed")
      let second = try await f.grant("w2")
      #expect(second.fencingToken == 2 && second.trials[0].attempt == 2)
      // The old holder's report of the re-run's attempt is fenced; another worker's lease is forbidden.
      let fenced = await Self.storeError {
        try await f.store.report(
          trialID: second.trials[0].trialId, workerID: "w2",
          report: f.reportBody(second, 0, fencing: 1), now: f.now)
      }
      #expect(Self.code(fenced) == "lease_fenced")
      #expect(Self.code(await Self.storeError { try await f.heartbeat(second, worker: "w1") }) == "not_your_lease")
      #expect(
        Self.code(
          await Self.storeError {
            try await f.store.heartbeat(
              leaseID: "ls-nope", workerID: "w1", request: HeartbeatRequest(fencingToken: 1), now: f.now,
              policy: f.policy)
          }) == "lease_not_found")
      let failed = try await f.report(second, 0, worker: "w2", status: .failed)
      #expect(failed.outcome == .recorded && failed.trialState == TrialState.failed.rawValue)
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.state == .completed && status.counts.failed == 1)
      let rows = try await f.store.exportResults(ResultQuery(sweepID: "sw"), after: nil, limit: 10).records
      #expect(rows.count == 1 && rows[0].status == TrialState.failed.rawValue && rows[0].attempt == 2)
      let never = await Self.storeError {
        try await f.store.report(
          trialID: second.trials[0].trialId, workerID: "w2",
          report: ResultReport(
            sweepId: "sw", leaseId: second.leaseId, fencingToken: 2, attempt: 7, status: .succeeded), now: f.now)
      }
      #expect(Self.code(never) == "no_such_attempt")
      let unknown = await Self.storeError {
        try await f.store.report(
          trialID: "t-nope", workerID: "w2",
          report: ResultReport(sweepId: "sw", leaseId: second.leaseId, fencingToken: 2, attempt: 1, status: .failed),
          now: f.now)
      }
      #expect(Self.code(unknown) == "trial_not_found")
    }
  }

  /// The coordinator's cap across sweeps, on both stores: two sweeps together never commit more.
  @Test(arguments: Kind.allCases)
  func twoSweepsStayUnderTheCoordinatorsBudgetTogether(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.setOuterBudget(
        SetCoordinatorBudget(budgetUsd: DollarAmount(MicroDollars(3_000_000))), now: f.now)
      for id in ["s1", "s2"] {
        _ = try await f.store.createSweep(
          id: id, spec: try Self.spec(trials: 10, shard: 1, budget: "2.40", domains: "[a]"), specText: "", now: f.now)
      }
      try await f.register("gpu", rate: 36_000_000)
      var leases = 0
      while case .granted(let grant) = try await f.store.grantLease(workerID: "gpu", now: f.now, policy: f.policy) {
        leases += 1
        let outer = try await f.store.outerBudget(now: f.now)
        #expect(outer.spentUsd.micros.value + outer.reservedUsd.micros.value <= 3_000_000)
        f.advance(10)
        _ = try await f.report(grant, 0, worker: "gpu")
        guard leases < 50 else { break }
      }
      let outer = try await f.store.outerBudget(now: f.now)
      let first = try await f.store.sweepStatus(id: "s1").spentUsd.micros.value
      let second = try await f.store.sweepStatus(id: "s2").spentUsd.micros.value
      // The first sweep's own $2.40 binds first; the second gets only what the $3 cap leaves.
      #expect(first <= 2_400_000 && second > 0 && first + second <= 3_000_000, "\(first) + \(second)")
      #expect(
        outer.spentUsd.micros.value == first + second && outer.remainingUsd?.micros.value == 3_000_000 - first - second)
    }
  }

  /// Trials priced per job, on both stores: a shard holds each trial's price; a report charges
  /// what it reported and frees the rest of its price; a released trial costs nothing; an expired
  /// one is charged its price.
  @Test(arguments: Kind.allCases)
  func pricedTrialsHoldTheirPriceAndAreChargedWhatTheyReport(kind: Kind) async throws {
    try await Self.on(kind) { f in
      let spec = try Self.spec(trials: 4, shard: 2, budget: "3", domains: "[a]")
      var priced = spec
      priced.trialPrice = .perTokens(usdPer1k: MicroDollars(10_000), tokensPerTrial: 50_000)  // $0.50 a trial
      _ = try await f.store.createSweep(id: "sw", spec: priced, specText: "", now: f.now)
      try await f.register("laptop")
      let grant = try await f.grant("laptop")
      #expect(grant.trialCostLimitUsd == DollarAmount(MicroDollars(500_000)))
      #expect(try await f.store.sweepStatus(id: "sw").reservedUsd == DollarAmount(MicroDollars(1_000_000)))
      let ack = try await f.report(grant, 0, worker: "laptop", metrics: ["accuracy": 0.5, "cost_usd": 0.125])
      #expect(ack.costUsd == DollarAmount(MicroDollars(125_000)))
      var status = try await f.store.sweepStatus(id: "sw")
      #expect(status.spentUsd == DollarAmount(MicroDollars(125_000)))
      #expect(status.reservedUsd == DollarAmount(MicroDollars(500_000)))
      _ = try await f.store.release(
        leaseID: grant.leaseId, workerID: "laptop",
        request: ReleaseRequest(fencingToken: grant.fencingToken, trialIds: nil), now: f.now)
      status = try await f.store.sweepStatus(id: "sw")
      #expect(status.spentUsd == DollarAmount(MicroDollars(125_000)) && status.reservedUsd == .init(.zero))
      // The next lease (the released trial: its shard goes first) expires: charged its price.
      #expect(try await f.grant("laptop").trials.count == 1)
      f.advance(120)
      _ = try await f.store.reap(now: f.now)
      status = try await f.store.sweepStatus(id: "sw")
      #expect(status.spentUsd == DollarAmount(MicroDollars(625_000)) && status.reservedUsd == .init(.zero))
      #expect(status.trialCostSpentUsd == DollarAmount(MicroDollars(625_000)))
    }
  }

  @Test(arguments: Kind.allCases)
  func aPaidLeaseReservesChargesAndReleasesItsMoneyWithinTheBudget(kind: Kind) async throws {
    try await Self.on(kind) { f in
      // $36/h: a lease of 2 one-minute trials reserves 2 × 90 s + 15 s = 195 s = $1.95, and the
      // worker's idle window beside it (no --max-idle promise: one 30 s TTL and 60 s to leave = $0.90).
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 4, shard: 2, budget: "3.30", domains: "[a]"), specText: "", now: f.now)
      try await f.register("gpu", rate: 36_000_000)
      let grant = try await f.grant("gpu")
      #expect(grant.allowanceS == 180)
      var status = try await f.store.sweepStatus(id: "sw")
      #expect(status.reservedUsd == DollarAmount(MicroDollars(2_850_000)))
      #expect(status.idleHeldUsd == DollarAmount(MicroDollars(900_000)))
      #expect(grant.exitAfter == nil)
      #expect(try await f.noWork("gpu") == .slotsFull)
      f.advance(10)
      let ack = try await f.report(grant, 0, worker: "gpu")
      #expect(ack.costUsd == DollarAmount(MicroDollars(100_000)))
      f.advance(10)
      let released = try await f.store.release(
        leaseID: grant.leaseId, workerID: "gpu",
        request: ReleaseRequest(fencingToken: grant.fencingToken, trialIds: nil), now: f.now)
      #expect(released.released == [grant.trials[1].trialId] && released.leaseClosed)
      status = try await f.store.sweepStatus(id: "sw")
      // The lease's hold is given back; the idle window stays held while the worker lives.
      #expect(status.spentUsd == DollarAmount(MicroDollars(200_000)))
      #expect(status.reservedUsd == DollarAmount(MicroDollars(900_000)))
      #expect(status.counts.pending == 3 && status.counts.succeeded == 1)
      // The released trial goes first, sized by the 12 s the worker has measured: 18 + 15 s = $0.33.
      let next = try await f.grant("gpu")
      #expect(next.trials.map(\.trialId) == [grant.trials[1].trialId])
      // The $1.87 left cannot pay the next shard's full $1.95 and a new worker's $0.90 window,
      // but a last lease fitted to all of it can (the window pays for work; the worker exits
      // after it): 187 s, 15 s of it tail, 172 s allowance (more than the one expected minute).
      // Then the whole budget is spent or held.
      try await f.register("gpu2", rate: 36_000_000)
      let fitted = try await f.grant("gpu2")
      #expect(fitted.allowanceS == 172 && fitted.stopGraceS == 10 && fitted.trials.count == 2)
      #expect(fitted.exitAfter == true)
      status = try await f.store.sweepStatus(id: "sw")
      #expect(status.spentUsd.micros.value + status.reservedUsd.micros.value == status.budgetUsd.micros.value)
      let gauges = try await f.store.gauges()
      #expect(gauges.spent == MicroDollars(200_000) && gauges.reserved == MicroDollars(3_100_000))
      #expect(try await f.store.listWorkers().first { $0.id == "gpu" }?.spentUsd == DollarAmount(MicroDollars(200_000)))
    }
  }

  @Test(arguments: Kind.allCases)
  func aBatchAnswersEachReportAloneAndARefusedOneLeavesNoTrace(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(
        id: "sw", spec: try Self.spec(trials: 2, shard: 2, domains: "[a]"), specText: "", now: f.now)
      try await f.register("w1")
      let grant = try await f.grant("w1")
      let answers = try await f.store.reportBatch(
        [
          BatchedResult(trialId: grant.trials[0].trialId, report: f.reportBody(grant, 0, metrics: ["accuracy": 1])),
          BatchedResult(trialId: grant.trials[1].trialId, report: f.reportBody(grant, 1, fencing: 9)),
          BatchedResult(trialId: "t-missing", report: f.reportBody(grant, 1)),
        ], workerID: "w1", now: f.now)
      #expect(answers.count == 3)
      #expect((try? answers[0].get())?.outcome == .completed)
      if case .failure(let error) = answers[1] { #expect(Self.code(error) == "lease_fenced") } else { Issue.record() }
      if case .failure(let error) = answers[2] {
        #expect(Self.code(error) == "trial_not_found")
      } else {
        Issue.record()
      }
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.counts.succeeded == 1 && status.counts.leased == 1)
      let beat = try await f.heartbeat(grant, worker: "w1")
      #expect(beat.actions.map(\.kind) == [.continue])
    }
  }

  /// A laptop says why it takes no work (lease request or heartbeat with `paused`); the worker
  /// list shows it until the worker asks for work again or heartbeats without it.
  @Test(arguments: Kind.allCases)
  func aPausedWorkerIsListedWithItsReasonUntilItAsksForWorkAgain(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(id: "sw", spec: try Self.spec(), specText: "", now: f.now)
      try await f.register("w1")
      try await f.store.pauseWorker(workerID: "w1", reason: .onBattery, now: f.now)
      #expect(try await f.store.listWorkers().map(\.paused) == [.onBattery])
      #expect(try await f.store.sweepStatus(id: "sw").counts.leased == 0)  // pausing grants nothing
      let grant = try await f.grant("w1")
      #expect(try await f.store.listWorkers().map(\.paused) == [nil])
      _ = try await f.store.heartbeat(
        leaseID: grant.leaseId, workerID: "w1",
        request: HeartbeatRequest(fencingToken: grant.fencingToken, paused: .thermal), now: f.now, policy: f.policy)
      #expect(try await f.store.listWorkers().map(\.paused) == [.thermal])
      _ = try await f.heartbeat(grant, worker: "w1")
      #expect(try await f.store.listWorkers().map(\.paused) == [nil])
      #expect(
        Self.code(
          await Self.storeError { try await f.store.pauseWorker(workerID: "ghost", reason: .thermal, now: f.now) })
          == "worker_not_found")
    }
  }

  @Test(arguments: Kind.allCases)
  func cancellingASweepStopsItsLeasesAndDeregisteringAWorkerGivesItsTrialsBack(kind: Kind) async throws {
    try await Self.on(kind) { f in
      _ = try await f.store.createSweep(id: "sw", spec: try Self.spec(), specText: "", now: f.now)
      try await f.register("w1")
      try await f.register("w2")
      let held = try await f.grant("w1")
      try await f.store.deregisterWorker(id: "w1", now: f.now)
      #expect(try await f.store.worker(id: "w1")?.state == .deregistered)
      #expect(Self.code(await Self.storeError { try await f.grant("w1") }) == "worker_deregistered")
      #expect(Self.code(await Self.storeError { try await f.grant("ghost") }) == "worker_not_found")
      #expect(
        Self.code(await Self.storeError { try await f.store.deregisterWorker(id: "ghost", now: f.now) })
          == "worker_not_found")
      var status = try await f.store.sweepStatus(id: "sw")
      #expect(status.counts.pending == 8 && status.counts.failed == 0)
      let taken = try await f.grant("w2")
      #expect(taken.trials.map(\.trialId) == held.trials.map(\.trialId) && taken.trials[0].attempt == 2)
      let cancelled = try await f.store.cancelSweep(id: "sw", now: f.now)
      #expect(cancelled.state == .cancelled && cancelled.counts.cancelled == 8 && cancelled.counts.leased == 0)
      let beat = try await f.heartbeat(taken, worker: "w2")
      #expect(beat.actions.map(\.kind) == [.stopAll])
      _ = try await f.report(taken, 0, worker: "w2", status: .cancelled)
      _ = try await f.report(taken, 1, worker: "w2", status: .cancelled)
      status = try await f.store.sweepStatus(id: "sw")
      #expect(status.counts.cancelled == 8 && status.state == .cancelled)
      #expect(try await f.noWork("w2") == .sweepCancelled)
      #expect(try await f.store.cancelSweep(id: "sw", now: f.now).state == .cancelled)
      #expect(
        Self.code(await Self.storeError { try await f.store.cancelSweep(id: "nope", now: f.now) }) == "sweep_not_found")
    }
  }

  @Test(arguments: Kind.allCases)
  func tokenHashesAreKeptByKindAndReplaced(kind: Kind) async throws {
    try await Self.on(kind) { f in
      #expect(try await f.store.tokenHash(kind: "admin") == nil)
      try await f.store.setTokenHash(kind: "admin", hash: [1, 2], now: f.now)
      try await f.store.setTokenHash(kind: "worker_join", hash: [3], now: f.now)
      try await f.store.setTokenHash(kind: "admin", hash: [4, 5, 6], now: f.now)
      #expect(try await f.store.tokenHash(kind: "admin") == [4, 5, 6])
      #expect(try await f.store.tokenHash(kind: "worker_join") == [3])
    }
  }

  @Test(arguments: Kind.allCases)
  func workersAreListedInRegistrationOrderThenById(kind: Kind) async throws {
    try await Self.on(kind) { f in
      for id in ["w-c", "w-a", "w-b"] { try await f.register(id) }
      f.advance(1)
      try await f.register("w-0")
      #expect(try await f.store.listWorkers().map(\.id) == ["w-a", "w-b", "w-c", "w-0"])
      let record = try await f.store.worker(id: "w-a")
      #expect(record?.state == .active && record?.name == "name-w-a" && record?.secretHash == [1, 2, 3])
      #expect(try await f.store.worker(id: "ghost") == nil)
      #expect(try await f.store.gauges().activeWorkers == 4)
    }
  }

  @Test(arguments: Kind.allCases)
  func stagesPromoteTheBestConfigurationIntoTheFinalStage(kind: Kind) async throws {
    try await Self.on(kind) { f in
      let spec = try Self.spec(
        trials: 4, shard: 1, domains: "[a]",
        extra: """
          stages: [{name: screen, epochs: 1}, {name: final, epochs: 4, top_k: 1}]
          """)
      _ = try await f.store.createSweep(id: "sw", spec: spec, specText: "", now: f.now)
      try await f.register("w1")
      for value in [0.4, 0.9, 0.2, 0.6] {
        let grant = try await f.grant("w1")
        _ = try await f.report(grant, 0, worker: "w1", metrics: ["accuracy": value])
      }
      let final = try await f.grant("w1")
      #expect(final.trials.count == 1)
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.counts.succeeded == 4 && status.counts.leased == 1 && status.state == .running)
      _ = try await f.report(final, 0, worker: "w1", metrics: ["accuracy": 0.95])
      let done = try await f.store.sweepStatus(id: "sw")
      #expect(done.state == .completed && done.counts.succeeded == 5)
      let rows = try await f.store.exportResults(ResultQuery(sweepID: "sw"), after: nil, limit: 10).records
      #expect(rows.map(\.stage) == ["screen", "screen", "screen", "screen", "final"])
      #expect(rows.last?.origin == TrialOrigin.promoted.rawValue)
    }
  }

  @Test(arguments: Kind.allCases)
  func joinTokensAreMintedListedAndRevokedWithTheirExpiry(kind: Kind) async throws {
    try await Self.on(kind) { f in
      let minted = try await f.store.createJoinToken(
        id: "jt-1", secretHash: [1, 2, 3], label: "runpod", lifetime: .seconds(3600), now: f.now)
      #expect(minted.expiresAt == f.now + .seconds(3600) && minted.state(at: f.now) == .active)
      #expect(minted.state(at: f.now + .seconds(3600)) == .expired)
      _ = try await f.store.createJoinToken(
        id: "jt-2", secretHash: [4], label: "", lifetime: .seconds(60), now: f.now + .seconds(1))
      #expect(try await f.store.joinTokens().map(\.id) == ["jt-1", "jt-2"])
      #expect(try await f.store.joinToken(id: "jt-1") == minted)
      #expect(try await f.store.joinToken(id: "jt-9") == nil)
      let revoked = try await f.store.revokeJoinToken(id: "jt-1", now: f.now + .seconds(5))
      #expect(revoked.revokedAt == f.now + .seconds(5) && revoked.state(at: f.now) == .revoked)
      // Revoking again keeps the first time.
      #expect(try await f.store.revokeJoinToken(id: "jt-1", now: f.now + .seconds(9)).revokedAt == revoked.revokedAt)
      #expect(try await f.store.joinToken(id: "jt-1")?.revokedAt == revoked.revokedAt)
      #expect(
        Self.code(await Self.storeError { try await f.store.revokeJoinToken(id: "jt-9", now: f.now) })
          == "join_token_not_found")
      #expect(
        Self.code(
          await Self.storeError {
            try await f.store.createJoinToken(
              id: "jt-3", secretHash: [5], label: "", lifetime: .seconds(59), now: f.now)
          }) == "invalid_expiry")
    }
  }
}
