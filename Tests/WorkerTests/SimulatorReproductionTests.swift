import Coordinator
import Foundation
import GRDB
import Shared
import Simulation
import SpecReading
import TestSupport
import Testing

/// The simulator against reality: a small sweep runs on real workers (one free, one paid), then
/// the same sweep is simulated on a fleet described by what the pilot measured (each machine's
/// mean trial duration). Makespan and cost must agree within 10%.
@Suite(.serialized) struct SimulatorReproductionTests {
  @Test func aSimulatedFleetReproducesARealRunWithinTenPercent() async throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "10"])
    defer { serve.cleanUp() }
    let specText = fixture.spec(modes: ["long"], trials: 16, budget: "10", minutes: 0.05)
    let id = try fixture.submit(specText, to: serve)
    let paid = try fixture.worker(serve, name: "gpu", rate: "36", extra: ["--exit-when-done"])
    let free = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    #expect(fixture.eventually(120) { (try? fixture.status(id, serve))?["state"] as? String == "completed" })
    _ = paid.wait(30)
    _ = free.wait(30)

    // What really happened, from the database.
    let database = try DatabaseQueue(path: serve.databasePath)
    defer { try? database.close() }
    let (first, last, spent, durations) = try await database.read { db in
      (
        try Int64.fetchOne(db, sql: "SELECT MIN(granted_at) FROM leases") ?? 0,
        try Int64.fetchOne(db, sql: "SELECT MAX(reported_at) FROM results") ?? 0,
        try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps") ?? 0,
        Dictionary(
          uniqueKeysWithValues: try Row.fetchAll(
            db,
            sql: """
              SELECT w.name, AVG(r.duration_ms) AS mean FROM results r JOIN workers w ON w.id = r.worker_id
              WHERE r.completed = 1 GROUP BY w.name
              """
          ).map { ($0["name"] as String, $0["mean"] as Double) })
      )
    }
    let realMakespan = Double(last - first) / 1000
    #expect(spent > 0)

    // The same sweep on a fleet calibrated with the pilot's measured durations.
    let spec = try SpecDecoder.decode(specText, file: "spec.yaml")
    let fleet = FleetSpec(
      name: "pilot",
      groups: [
        FleetGroup(
          name: "gpu", count: 1, hourlyRate: HourlyRate(perHour: try MicroDollars.parse("36")),
          trialDuration: .milliseconds(Int64(durations["gpu"] ?? 0))),
        FleetGroup(
          name: "laptop", count: 1, hourlyRate: HourlyRate(microDollarsPerHour: 0),
          trialDuration: .milliseconds(Int64(durations["laptop"] ?? 0))),
      ], durationSpread: 0)
    var configuration = CoordinatorServer.Configuration()
    configuration.leaseTTL = .seconds(10)
    let simulated = try await FleetSimulator(spec: spec, fleet: fleet, policy: configuration.policy).run()
    let makespanError = abs(simulated.makespan.secondsDouble - realMakespan) / realMakespan
    let costError = abs(Double(simulated.spent.value - spent)) / Double(spent)
    print(
      "simulator vs real: makespan \(String(format: "%.2f", simulated.makespan.secondsDouble)) s vs \(String(format: "%.2f", realMakespan)) s (\(String(format: "%.1f", makespanError * 100))%), cost \(simulated.spent.value) µ$ vs \(spent) µ$ (\(String(format: "%.1f", costError * 100))%)"
    )
    #expect(simulated.succeeded == 16 && simulated.overspend == .zero)
    #expect(makespanError <= 0.10, "makespan: simulated \(simulated.makespan), real \(realMakespan) s")
    #expect(costError <= 0.10, "cost: simulated \(simulated.spent.value) µ$, real \(spent) µ$")
  }
}
