import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Shared
import Testing

/// The hard dollar cap: paid workers get only what the remaining budget pays for; free workers carry on.
@Suite struct BudgetTests {
  @Test func paidWorkersNeverSpendPastTheBudgetAndFreeWorkersFinishTheRest() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      // $3.60/h = $0.001/s; estimate 1 min → allowance 90 s (+15 s grace and margin) ≈ $0.105 per
      // lease, and the worker's idle window beside it (no --max-idle: one 60 s TTL + 60 s, $0.12).
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 20, budget: "0.50", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .runpod)
      let free = try await api.register(name: "laptop")
      var paidLeases = 0
      var refusals = 0
      var maxCommitted: Int64 = 0
      var lastLease = false
      for round in 0..<40 {
        let before = try await api.status(sweep.id)
        let response = try await api.lease(paid.credential)
        guard let lease = response.lease else {
          // Its last lease took its idle window; with nothing more to pay for, it must exit.
          #expect(lastLease && response.noWork == .idleNotCovered)
          refusals += 1
          break
        }
        lastLease = lease.exitAfter == true
        paidLeases += 1
        let status = try await api.status(sweep.id)
        maxCommitted = max(maxCommitted, status.spentUsd.micros.value + status.reservedUsd.micros.value)
        // 1 min estimate × 1.5 at first; then learned from the reported durations (1 s), floored at
        // 10 s; the last leases, when 25 s ($0.025) no longer fit, shrink to what is left.
        let allowance = try #require(lease.allowanceS)
        if round == 0 {
          #expect(allowance == 90)
        } else if before.remainingUsd.micros >= MicroDollars(25_000) {
          #expect(allowance == 10)
        } else {
          #expect(allowance >= 1 && allowance <= 10)
        }
        // Some trials run long and are extended by heartbeats; each costs paid seconds.
        coordinator.clock.advance(by: .seconds(round % 3 == 0 ? 70 : 40))
        if round % 3 == 0 {
          let beat = try await api.heartbeat(paid.credential, lease: lease)
          #expect(beat.status == .ok || beat.status == .conflict)
          coordinator.clock.advance(by: .seconds(30))
        }
        _ = try await api.report(paid.credential, lease: lease, trial: lease.trials[0])
      }
      #expect(paidLeases > 0 && refusals == 1)
      let afterPaid = try await api.status(sweep.id)
      #expect(afterPaid.spentUsd.micros <= afterPaid.budgetUsd.micros)
      #expect(maxCommitted <= afterPaid.budgetUsd.micros.value)
      #expect(lastLease)
      // The free worker takes everything the budget could not pay for.
      while let lease = try await api.lease(free.credential).lease {
        #expect(lease.allowanceS == nil)
        coordinator.clock.advance(by: .seconds(600))
        _ = try await api.report(free.credential, lease: lease, trial: lease.trials[0])
      }
      let final = try await api.status(sweep.id)
      #expect(final.state == .completed)
      #expect(final.counts.succeeded == 20)
      #expect(final.spentUsd == afterPaid.spentUsd)
      #expect(final.reservedUsd.micros == .zero)
      let workers = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self)
      let gpu = try #require(workers.workers.first { $0.name == "gpu" })
      // Its whole bill: leases, and idle time (trials that ran on past their lease's paid time, the
      // gaps between leases) charged to this sweep while its idle window was held; after its last
      // lease took the window, the rest of its overrun is on the provider's bill under no budget.
      let bill = try #require(gpu.billing)
      let idle = try #require(final.idleSpentUsd)
      #expect(idle.micros > .zero)
      #expect(bill.idleUsd.micros.value == idle.micros.value + bill.unbudgetedIdleUsd.micros.value)
      #expect(gpu.spentUsd.micros.value + idle.micros.value == final.spentUsd.micros.value)
      #expect(bill.billedUsd.micros.value == final.spentUsd.micros.value + bill.unbudgetedIdleUsd.micros.value)
      #expect(workers.workers.first { $0.name == "laptop" }?.spentUsd.micros == .zero)
      #expect(workers.workers.first { $0.name == "laptop" }?.billing == nil)
      // Every micro-dollar spent on leases is on some trial's record.
      let lines = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken).text
      let costs = try lines.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["cost"] as? Double ?? -1
      }
      #expect(abs(costs.reduce(0, +) - Double(gpu.spentUsd.micros.value) / 1e6) < 1e-9)
    }
  }

  /// A box that never comes back is charged up to the moment it promised to have stopped (its
  /// lease's paid time, then its idle window), and its holds are given back.
  @Test func aPaidWorkerThatGoesSilentIsChargedItsLeaseAndItsIdleWindowAndNoMore() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(600))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, budget: "1", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .vast)
      let lease = try #require(try await api.lease(paid.credential).lease)
      // TTL is 10 min, but the lease's paid time (90 s allowance + 10 s grace + 5 s margin) ends first.
      #expect(lease.expiresAt == (coordinator.clock.now + .seconds(105)).iso8601)
      // Its idle window (no --max-idle: one TTL and 60 s to leave, 660 s = $0.66) is held beside the lease.
      #expect(try await api.status(sweep.id).reservedUsd.micros == MicroDollars(765_000))
      coordinator.clock.advance(by: .seconds(3600))
      await coordinator.server.reaper(logger: Logger(label: "test")).runOnce()
      let status = try await api.status(sweep.id)
      // 105 s of lease and 660 s idle after it at $0.001/s — not an hour.
      #expect(status.spentUsd.micros == MicroDollars(765_000))
      #expect(status.idleSpentUsd?.micros == MicroDollars(660_000))
      #expect(status.reservedUsd.micros == .zero)
      let worker = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self)
        .workers[0]
      #expect(worker.billing?.billedS == 765 && worker.billing?.idleS == 660 && worker.billing?.workingS == 105)
    }
  }

  @Test func heartbeatsExtendTheAllowanceWhileTheBudgetAllows() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, budget: "0.37", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .lambda)
      let lease = try #require(try await api.lease(paid.credential).lease)
      var allowances: [Double] = []
      for _ in 0..<8 {
        coordinator.clock.advance(by: .seconds(20))
        let reply = try await api.heartbeat(paid.credential, lease: lease)
        guard reply.status == .ok else { break }
        allowances.append(try #require(try reply.decode(HeartbeatResponse.self).allowanceS))
      }
      // 90 s at first; extended by 90 s chunks while $0.37 allows (≈ 250 s of paid time beside the
      // worker's 120 s idle window), then it runs down.
      #expect(allowances.first == 70)
      #expect(allowances.contains { $0 > 90 })
      #expect(allowances.last.map { $0 < allowances.max()! } == true)
    }
  }

  @Test func aZeroBudgetMeansFreeWorkersOnly() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, budget: "0"))
      let paid = try await api.register(name: "gpu", rate: "0.30", provider: .runpod)
      let free = try await api.register(name: "laptop")
      // Not even its idle time can be paid for: it is told to exit at once.
      #expect(try await api.lease(paid.credential).noWork == .idleNotCovered)
      #expect(try await api.lease(free.credential).lease != nil)
    }
  }

  @Test func aRestartKeepsSweepsLeasesResultsAndTheLedger() async throws {
    let first = try await TestCoordinator(ttl: .seconds(60))
    let (snapshot, lease, credential) = try await first.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 3, budget: "1", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .runpod)
      let done = try #require(try await api.lease(paid.credential).lease)
      first.clock.advance(by: .seconds(30))
      _ = try await api.report(paid.credential, lease: done, trial: done.trials[0])
      let held = try #require(try await api.lease(paid.credential).lease)
      return (try await api.status(sweep.id), held, paid.credential)
    }
    let second = try await first.restarted()
    defer { second.cleanUp() }
    try await second.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let after = try await api.status(snapshot.id)
      #expect(after == snapshot)
      #expect(after.spentUsd.micros == MicroDollars(30_000))
      #expect(after.reservedUsd.micros > .zero)
      // the worker's credential and its lease survive: it heartbeats and reports as if nothing happened
      second.clock.advance(by: .seconds(10))
      #expect(try await api.heartbeat(credential, lease: lease).status == .ok)
      #expect(try await api.report(credential, lease: lease, trial: lease.trials[0]).status == .ok)
      let final = try await api.status(snapshot.id)
      #expect(final.counts.succeeded == 2)
      #expect(final.spentUsd.micros == MicroDollars(40_000))
    }
  }

  /// A lease dead but not yet reaped ends at its expiry: time after it is idle on the bill, not
  /// lost. (Found by the chaos harness's sleep run: a heartbeat after the expiry accrued idle as
  /// if the lease still ran to its paid end, then the lease was closed at its expiry — the time
  /// between was on neither.)
  @Test func aHeartbeatAfterALeasesExpiryBillsTheTimeSinceAsIdle() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 2, budget: "5", minutes: 10))
      let gpu = try await api.register(name: "gpu", rate: "3.60", provider: .vast)
      let lease = try #require(try await api.lease(gpu.credential).lease)
      // No heartbeat for longer than the TTL (60 s) and no reaper pass yet: the lease is dead at
      // 60 s, but still open when the worker next asks for work at 75 s; then the reaper closes it.
      coordinator.clock.advance(by: .seconds(75))
      #expect(try await api.lease(gpu.credential).lease == nil)
      await coordinator.server.reaper(logger: Logger(label: "test")).runOnce()
      #expect(try await api.heartbeat(gpu.credential, lease: lease).status == .conflict)
      let worker = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self)
        .workers[0]
      let bill = try #require(worker.billing)
      // 75 s of life: 60 s on the lease, 15 s idle after it — every second on the bill.
      #expect(bill.billedS == 75 && bill.workingS == 60 && bill.idleS == 15, "\(bill)")
      #expect(bill.billedUsd.micros == MicroDollars(75_000), "\(bill)")
    }
  }
}
