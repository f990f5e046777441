import Foundation
import HummingbirdTesting
import Logging
import Shared
import Testing

@testable import Coordinator

/// The coordinator's own absence (its laptop asleep, its process stopped) must not use up
/// trials' attempts: leases it let lapse are re-armed and excused until heard from.
@Suite struct AbsenceTests {
  func reaper(_ coordinator: TestCoordinator) -> LeaseReaper {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return coordinator.server.reaper(logger: logger)
  }

  @Test func leasesTheCoordinatorsOwnAbsenceLetLapseAreExcusedNotCounted() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60), detectAbsence: true)
    defer { coordinator.cleanUp() }
    let reaper = reaper(coordinator)
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 2, maxAttempts: 1))
      let gone = try await api.register(name: "gave-up")
      let back = try await api.register(name: "comes-back")
      let lapsed = try #require(try await api.lease(gone.credential).lease)
      let resumed = try #require(try await api.lease(back.credential).lease)
      // Ten minutes without running: far past the TTL and the threshold.
      coordinator.clock.advance(by: .seconds(600))
      // The worker that comes back first finds its lease alive: the absence was noticed first.
      let beat = try await api.heartbeat(back.credential, lease: resumed)
      #expect(beat.status == .ok, "\(beat.text)")
      #expect(coordinator.server.environment.absence?.absences == 1)
      #expect(await reaper.runOnce().expiredLeases == 0)
      // The other sent one heartbeat before it gave up, answered only now (it sat in the socket)…
      #expect(try await api.heartbeat(gone.credential, lease: lapsed).status == .ok)
      // …and then nothing: its lease expires a TTL later, without counting against its trial.
      coordinator.clock.advance(by: .seconds(10))
      _ = try await api.heartbeat(back.credential, lease: resumed)
      coordinator.clock.advance(by: .seconds(10))
      _ = try await api.heartbeat(back.credential, lease: resumed)
      coordinator.clock.advance(by: .seconds(10))
      _ = try await api.heartbeat(back.credential, lease: resumed)
      coordinator.clock.advance(by: .seconds(15))
      _ = try await api.heartbeat(back.credential, lease: resumed)
      coordinator.clock.advance(by: .seconds(16))
      let summary = await reaper.runOnce()
      #expect(summary.expiredLeases == 1 && summary.requeuedTrials == 1 && summary.failedTrials == 0)
      let status = try await api.status(sweep.id)
      #expect(status.counts.failed == 0 && status.counts.pending == 1)
      // …and the trial gets its attempt again on another lease.
      _ = try await api.report(back.credential, lease: resumed, trial: resumed.trials[0])
      let again = try #require(try await api.lease(back.credential).lease)
      #expect(again.trials[0].trialId == lapsed.trials[0].trialId && again.trials[0].attempt == 2)
    }
  }

  @Test func withoutAnAbsenceALapsedLeaseStillCounts() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60), detectAbsence: true)
    defer { coordinator.cleanUp() }
    let reaper = reaper(coordinator)
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, maxAttempts: 1))
      let worker = try await api.register(name: "w")
      _ = try #require(try await api.lease(worker.credential).lease)
      // The reaper runs every 5 s: the coordinator is present all along; the worker is not.
      for _ in 0..<13 {
        coordinator.clock.advance(by: .seconds(5))
        await reaper.runOnce()
      }
      #expect(coordinator.server.environment.absence?.absences == 0)
      let status = try await api.status(sweep.id)
      #expect(status.counts.failed == 1)
    }
  }
}
