import Coordinator
import Foundation
import Shared
import Simulation
import SpecReading
import Testing

/// The memory store takes the same decisions as SQLite: one simulation through each, with
/// preemptions, failures, paid and free machines and a budget that runs out, gives the same
/// report decision for decision.
@Suite struct MemoryStoreTests {
  static let fleet = """
    name: mixed
    seed: 11
    duration_spread: 0.4
    max_idle: 10m
    replace_preempted_after: 5m
    groups:
      - {name: laptop, count: 2, hourly_cost_usd: 0, failure_rate: 0.1}
      - {name: rtx3090, count: 5, hourly_cost_usd: 0.30, speed: 3, preemption_per_hour: 0.6, failure_rate: 0.05}
      - {name: a100, count: 2, hourly_cost_usd: 0.75, speed: 6, preemption_per_hour: 0.3}
    """

  func spec(budget: String, shard: Int) throws -> SweepSpec {
    try SpecDecoder.decode(
      """
      name: diff
      budget_usd: \(budget)
      domains: [financial, legal, medical]
      sampler: lhs
      trials_per_domain: 40
      shard_size: \(shard)
      max_attempts: 3
      estimate: {minutes_per_trial: 20}
      space:
        rank: {int: [4, 64], log: true}
        lr: {log_uniform: [1e-5, 1e-3]}
      command: [train, "{rank}", "{lr}"]
      """, file: "diff.yaml")
  }

  /// The same simulation on the memory store, then on SQLite.
  static func simulateOnBothStores(_ spec: SweepSpec) async throws -> (
    memory: SimulationReport, sqlite: SimulationReport
  ) {
    let fleet = try SpecDecoder.decodeFleet(fleet, file: "fleet.yaml")
    var reports: [SimulationReport] = []
    for kind in FleetSimulator.StoreKind.allCases {
      let simulator = FleetSimulator(spec: spec, fleet: fleet)
      simulator.store = kind
      reports.append(try await simulator.run())
    }
    return (reports[0], reports[1])
  }

  @Test(arguments: [("2.50", 1), ("2.50", 4), ("100", 3)])
  func aSimulationGivesTheSameReportOnBothStores(budget: String, shard: Int) async throws {
    let spec = try spec(budget: budget, shard: shard)
    let (memory, sqlite) = try await Self.simulateOnBothStores(spec)
    #expect(memory.store == .memory && sqlite.store == .sqlite)
    #expect(memory.decisions == sqlite.decisions)
    #expect(memory.succeeded == sqlite.succeeded && memory.failed == sqlite.failed)
    #expect(memory.unfinished == sqlite.unfinished)
    #expect(memory.makespan == sqlite.makespan)
    #expect(memory.spent == sqlite.spent && memory.budget == sqlite.budget)
    #expect(memory.lostToPreemption == sqlite.lostToPreemption)
    #expect(memory.preemptions == sqlite.preemptions)
    #expect(memory.idlePaidHours == sqlite.idlePaidHours)
    #expect(memory.overspend == .zero)
    // The scenarios are not trivial: a small budget binds the paid machines, which use at least
    // 90% of it (the last leases shrink to what is left); with a large one the spot machines run
    // long enough to be preempted, and money is lost to it.
    if budget == "2.50" {
      #expect(memory.spent >= MicroDollars(2_250_000), "\(memory)")
    } else {
      #expect(memory.preemptions > 0 && memory.lostToPreemption > .zero, "\(memory)")
    }
    #expect(memory.failed + memory.succeeded > 0)
  }

  /// Strategies run in the scheduler, so the memory store runs them too, with the same report
  /// as SQLite: stages promote, transfer releases its targets, ASHA is judged on heartbeats.
  @Test func aSimulationWithStrategiesGivesTheSameReportOnBothStores() async throws {
    let spec = try SpecDecoder.decode(
      """
      name: s
      domains: [a, b]
      sampler: lhs
      trials_per_domain: 6
      estimate: {minutes_per_trial: 10}
      stages: [{name: screen, epochs: 1}, {name: final, epochs: 3, top_k: 2}]
      transfer: {from: a, top_k: 2}
      space:
        x: {uniform: [0, 1]}
        epochs: 3
      command: [train, "{x}", "{epochs}"]
      """, file: "s.yaml")
    let (memory, sqlite) = try await Self.simulateOnBothStores(spec)
    #expect(memory.store == .memory && sqlite.store == .sqlite)
    #expect(memory.trials == sqlite.trials && memory.decisions == sqlite.decisions)
    #expect(memory.succeeded == sqlite.succeeded && memory.failed == sqlite.failed)
    #expect(memory.makespan == sqlite.makespan && memory.spent == sqlite.spent)
    // a: 6 screened + 2 final; b: 2 transferred + 4 of its own + 2 final.
    #expect(memory.trials == 16 && memory.unfinished == 0)
  }

  /// A late success from an expired lease completes the trial; the lease now running it is told
  /// to cancel at its next heartbeat. The same steps on both stores give the same answers.
  @Test func aLateSuccessCancelsTheRerunOnBothStores() async throws {
    let spec = try SpecDecoder.decode(
      """
      name: late
      domains: [a]
      trials_per_domain: 1
      max_attempts: 3
      space:
        x: {uniform: [0, 1]}
      command: [train, "{x}"]
      """, file: "late.yaml")
    var transcripts: [[String]] = []
    for kind in FleetSimulator.StoreKind.allCases {
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent("late-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: directory) }
      let store: any SweepStore =
        kind == .memory ? MemoryStore() : try SQLiteStore(path: directory.appendingPathComponent("s.db").path)
      let policy = LeasePolicy(ttl: .seconds(30))
      var now = Timestamp(milliseconds: 1_000_000)
      var transcript: [String] = []
      _ = try await store.createSweep(id: "sw", spec: spec, specText: "", now: now)
      for name in ["sleeper", "other"] {
        try await store.registerWorker(
          RegisterWorkerRequest(name: name, provider: .local, hourlyCostUsd: DollarAmount(.zero)), id: name,
          secretHash: [0], now: now)
      }
      guard case .granted(let first) = try await store.grantLease(workerID: "sleeper", now: now, policy: policy)
      else { throw TestFailure("no first lease") }
      now = now + .seconds(31)
      let reaped = try await store.reap(now: now)
      transcript.append("reaped \(reaped.expiredLeases) requeued \(reaped.requeuedTrials)")
      guard case .granted(let second) = try await store.grantLease(workerID: "other", now: now, policy: policy)
      else { throw TestFailure("no second lease") }
      transcript.append("second attempt \(second.trials[0].attempt) fencing \(second.fencingToken)")
      now = now + .seconds(2)
      let late = try await store.report(
        trialID: first.trials[0].trialId, workerID: "sleeper",
        report: ResultReport(
          sweepId: "sw", leaseId: first.leaseId, fencingToken: first.fencingToken, attempt: 1, status: .succeeded,
          metrics: ["accuracy": 0.9], durationS: 33),
        now: now)
      transcript.append("late \(late.outcome.rawValue) \(late.trialState)")
      let beat = try await store.heartbeat(
        leaseID: second.leaseId, workerID: "other", request: HeartbeatRequest(fencingToken: second.fencingToken),
        now: now, policy: policy)
      transcript.append("actions \(beat.actions.map { "\($0.kind.rawValue) \($0.reason ?? "")" })")
      let again = try await store.report(
        trialID: second.trials[0].trialId, workerID: "other",
        report: ResultReport(
          sweepId: "sw", leaseId: second.leaseId, fencingToken: second.fencingToken, attempt: 2, status: .cancelled),
        now: now)
      transcript.append("rerun \(again.outcome.rawValue) \(again.trialState)")
      let status = try await store.sweepStatus(id: "sw")
      transcript.append("sweep \(status.state) succeeded \(status.counts.succeeded)")
      transcripts.append(transcript)
    }
    #expect(transcripts[0] == transcripts[1])
    #expect(
      transcripts[0].contains("actions [\"cancel_trial trial_already_completed by attempt 1\"]"), "\(transcripts[0])")
    #expect(transcripts[0].last == "sweep completed succeeded 1")
  }
}
