import Coordinator
import Shared
import Simulation
import SpecReading
import Testing

/// `sweep simulate` and `sweep plan` run a sweep with strategies to its end, later stages and
/// transferred trials included.
@Suite struct SimulatedStrategyTests {
  @Test func theSimulatorRunsEveryStageAndTransferOfASweep() async throws {
    let spec = try SpecDecoder.decode(
      """
      name: sim
      domains: [a, b]
      sampler: lhs
      trials_per_domain: 4
      estimate: {minutes_per_trial: 10}
      stages: [{name: screen, epochs: 1}, {name: final, epochs: 5, top_k: 1}]
      transfer: {from: a, top_k: 2}
      space:
        rank: [1, 2, 4, 8]
        x: {uniform: [0, 1]}
        epochs: 5
      command: [train, "{rank}", "{x}", "{epochs}"]
      """, file: "sim.yaml")
    let fleet = try SpecDecoder.decodeFleet(
      """
      name: two laptops
      seed: 3
      groups:
        - {name: laptop, count: 2, hourly_cost_usd: 0}
      """, file: "fleet.yaml")
    let report = try await FleetSimulator(spec: spec, fleet: fleet).run()
    // a: 4 screened + 1 final; b: 2 transferred + 2 of its own + 1 final.
    #expect(report.trials == 10)
    #expect(report.succeeded == 10 && report.unfinished == 0)
  }
}
