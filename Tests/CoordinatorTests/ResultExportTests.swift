import Coordinator
import Foundation
import Shared
import SpecReading
import Testing

/// The export pages through the store, so that a million rows never sit in memory at once.
struct ResultExportTests {
  /// Two domains of seven trials, every trial completed with accuracy = its index / 10.
  func completedSweep() async throws -> TestCoordinator {
    let coordinator = try await TestCoordinator()
    let store = coordinator.server.store
    let spec = try SpecDecoder.decode(
      "name: e\ndomains: [a, b]\nsampler: random\ntrials_per_domain: 7\nspace:\n  x: {uniform: [0, 1]}\ncommand: [run]\n",
      file: "e.yaml")
    _ = try await store.createSweep(
      id: "sw-e", spec: spec, specText: "", now: coordinator.clock.now)
    try await store.registerWorker(
      RegisterWorkerRequest(name: "w", provider: .local, hourlyCostUsd: DollarAmount(.zero), slots: 100), id: "wk-e",
      secretHash: [0], now: coordinator.clock.now)
    var index = 0.0
    while case .granted(let grant) = try await store.grantLease(
      workerID: "wk-e", now: coordinator.clock.now, policy: coordinator.server.configuration.policy)
    {
      for trial in grant.trials {
        index += 1
        _ = try await store.report(
          trialID: trial.trialId, workerID: "wk-e",
          report: ResultReport(
            sweepId: "sw-e", leaseId: grant.leaseId, fencingToken: grant.fencingToken, attempt: trial.attempt,
            status: .succeeded, metrics: ["accuracy": index / 100]),
          now: coordinator.clock.now)
      }
    }
    return coordinator
  }

  @Test func pagesSmallerThanTheSweepStillExportEveryRowOnceInOrder() async throws {
    let coordinator = try await completedSweep()
    defer { coordinator.cleanUp() }
    var export = ResultExport(store: coordinator.server.store, query: ResultQuery(sweepID: "sw-e"), csv: false)
    export.pageSize = 3
    let lines = try await export.render().split(separator: "\n")
    let records = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    #expect(records.count == 14)
    #expect(Set(records.compactMap { $0["trial_id"] as? String }).count == 14)
    #expect(
      records.map { $0["domain"] as? String } == Array(repeating: "a", count: 7) + Array(repeating: "b", count: 7))
    var whole = export
    whole.pageSize = 1_000
    #expect(try await whole.render() == lines.joined(separator: "\n") + "\n")
  }

  @Test func csvPagesCarryOneHeaderAndADomainFilterKeepsOnlyThatDomain() async throws {
    let coordinator = try await completedSweep()
    defer { coordinator.cleanUp() }
    var export = ResultExport(
      store: coordinator.server.store, query: ResultQuery(sweepID: "sw-e", domain: "b"), csv: true)
    export.pageSize = 2
    let lines = try await export.render().split(separator: "\n")
    #expect(lines.count == 8)
    #expect(lines[0].hasPrefix("domain,x,accuracy,cost"))
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("b,") })
    let best = ResultExport(
      store: coordinator.server.store, query: ResultQuery(sweepID: "sw-e", bestOnly: true), csv: false)
    #expect(try await best.render().split(separator: "\n").count == 2)  // one per domain
  }
}
