import Coordinator
import Shared
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

  @Test(arguments: [("2.50", 1), ("2.50", 4), ("100", 3)])
  func aSimulationGivesTheSameReportOnBothStores(budget: String, shard: Int) async throws {
    let spec = try spec(budget: budget, shard: shard)
    let fleet = try SpecDecoder.decodeFleet(Self.fleet, file: "fleet.yaml")
    var reports: [SimulationReport] = []
    for kind in FleetSimulator.StoreKind.allCases {
      let simulator = FleetSimulator(spec: spec, fleet: fleet)
      simulator.store = kind
      reports.append(try await simulator.run())
    }
    let (memory, sqlite) = (reports[0], reports[1])
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
    // The scenarios are not trivial: a small budget binds the paid machines; with a large one
    // the spot machines run long enough to be preempted, and money is lost to it.
    if budget == "2.50" {
      #expect(memory.spent > MicroDollars(2_000_000), "\(memory)")
    } else {
      #expect(memory.preemptions > 0 && memory.lostToPreemption > .zero, "\(memory)")
    }
    #expect(memory.failed + memory.succeeded > 0)
  }

  @Test func theMemoryStoreRefusesSweepsWithStrategies() async throws {
    let spec = try SpecDecoder.decode(
      """
      name: s
      domains: [a]
      trials_per_domain: 4
      stages: [{name: screen, epochs: 1}, {name: final, epochs: 3, top_k: 1}]
      space:
        x: {uniform: [0, 1]}
        epochs: 3
      command: [train, "{x}", "{epochs}"]
      """, file: "s.yaml")
    await #expect(throws: StoreError.self) {
      _ = try await MemoryStore().createSweep(id: "s", spec: spec, specText: "", now: Timestamp(milliseconds: 0))
    }
  }
}
