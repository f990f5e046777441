import Coordinator
import Shared
import Simulation
import SpecReading
import Testing

/// `sweep fleet up`'s planner: the rest of a sweep simulated on every mix of boxes (the
/// coordinator's scheduler on virtual time), and the policy's choice among them.
@Suite struct FleetPlannerTests {
  static let spec = try! SpecDecoder.decode(
    """
    name: rest
    domains: [a]
    sampler: lhs
    trials_per_domain: 24
    budget_usd: 5
    estimate: {minutes_per_trial: 1}
    space: {x: {uniform: [0, 1]}}
    command: [train, "{x}"]
    """, file: "spec.yaml")

  static func fleet(_ groups: String) throws -> FleetSpec {
    try SpecDecoder.decodeFleet(
      "name: f\nduration_spread: 0\nmax_idle: 30s\ngroups:\n\(groups)", file: "fleet.yaml")
  }

  static let cpus = "  - {name: cpu, provider: local, count: 4, hourly_cost_usd: 1}\n"

  func plan(
    _ fleet: FleetSpec, trials: Int = 24, minutes: Double?, budget: MicroDollars = MicroDollars(5_000_000),
    measured: [String: Duration] = [:]
  ) async throws -> FleetPlanner.Plan {
    try await FleetPlanner(spec: Self.spec, fleet: fleet, policy: LeasePolicy()).plan(
      .init(
        remainingTrials: trials, budgetLeft: budget, timeLeft: minutes.map { .milliseconds(Int64($0 * 60_000)) },
        measured: measured))
  }

  @Test func aTighterDeadlineRentsMoreBoxes() async throws {
    let fleet = try Self.fleet(Self.cpus)
    // 24 one-minute trials: one box needs 24 minutes, four need 6.
    let relaxed = try await plan(fleet, minutes: 30)
    #expect(relaxed.decision.target == FleetMix(["cpu": 1]), "\(relaxed.decision.reason)")
    let tight = try await plan(fleet, minutes: 7)
    #expect(tight.decision.target == FleetMix(["cpu": 4]), "\(tight.decision.reason)")
    let chosen = try #require(tight.decision.chosen)
    #expect(chosen.makespan <= .seconds(7 * 60) && chosen.makespan >= .seconds(6 * 60))
    // The lease time of 24 trial-minutes at $1/h, and the boxes' idle time on top.
    #expect(chosen.cost >= MicroDollars(400_000) && chosen.cost < MicroDollars(500_000))
    #expect(tight.estimates.count == 5)
  }

  @Test func measuredDurationsReplaceTheSpecsEstimate() async throws {
    let fleet = try Self.fleet(Self.cpus)
    let plan = try await self.plan(fleet, minutes: 7, measured: ["cpu": .seconds(30)])
    // Thirty-second trials: two boxes finish the 24 in six minutes.
    #expect(plan.decision.target == FleetMix(["cpu": 2]), "\(plan.decision.reason)")
  }

  @Test func aFreeMachineOfYourOwnMeansNothingIsRentedWithoutADeadline() async throws {
    let fleet = try Self.fleet("  - {name: laptop, hourly_cost_usd: 0}\n" + Self.cpus)
    let plan = try await self.plan(fleet, minutes: nil)
    #expect(plan.decision.target == FleetMix(), "\(plan.decision.reason)")
    #expect(plan.decision.chosen?.cost == .zero)
    // With a deadline the laptop works beside the boxes: three of them and it take 6 minutes.
    let hurried = try await self.plan(fleet, minutes: 7)
    #expect(hurried.decision.target == FleetMix(["cpu": 3]), "\(hurried.decision.reason)")
  }

  @Test func aNewBoxBillsItsBootAndStartsThatMuchLater() async throws {
    let booting = try Self.fleet("  - {name: cpu, provider: local, count: 1, hourly_cost_usd: 1, boot_time: 6m}\n")
    let ready = try Self.fleet("  - {name: cpu, provider: local, count: 1, hourly_cost_usd: 1}\n")
    let slow = try #require(try await plan(booting, minutes: nil).decision.chosen)
    let quick = try #require(try await plan(ready, minutes: nil).decision.chosen)
    #expect(slow.cost == MicroDollars(quick.cost.value + 100_000))  // six minutes at $1/h
    #expect(slow.finishedIn == quick.finishedIn + .seconds(360))
  }

  @Test func aBudgetTooSmallForTheRestRentsNothingAndSaysWhy() async throws {
    let fleet = try Self.fleet(Self.cpus)
    let plan = try await self.plan(fleet, minutes: 60, budget: MicroDollars(100_000))
    #expect(plan.decision.target == FleetMix())
    #expect(
      plan.decision.reason.contains("finishes the rest of the sweep within the $0.10 left"), "\(plan.decision.reason)")
  }
}
