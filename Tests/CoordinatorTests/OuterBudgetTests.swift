import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import Testing

/// The coordinator's own budget across sweeps: each sweep's budget nests under it, the tighter
/// wins, and a monthly one starts afresh after 30 days.
@Suite struct OuterBudgetTests {
  /// Leases and reports for the paid worker until it gets none; returns the last answer.
  static func drain(_ api: APICaller, _ coordinator: TestCoordinator, _ credential: String) async throws
    -> LeaseResponse
  {
    for _ in 0..<200 {
      let response = try await api.lease(credential)
      guard let lease = response.lease else { return response }
      coordinator.clock.advance(by: .seconds(30))
      _ = try await api.report(credential, lease: lease, trial: lease.trials[0])
    }
    throw TestFailure("the paid worker was never refused")
  }

  @Test func twoSweepsTogetherStayUnderTheCoordinatorsBudgetAndTheTighterWins() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let admin = TestCoordinator.adminToken
      // $3.60/h = $0.001/s: each sweep could pay $1 of it; the coordinator only $0.40 in all.
      let set = try await api.call(.put, "/v1/budget", token: admin, body: #"{"budget_usd": "0.40"}"#)
      #expect(set.status == .ok, "\(set.text)")
      let first = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 30, budget: "1", minutes: 1))
      let second = try await api.submit(TestSpecs.sweep(domains: "[b]", trials: 30, budget: "1", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .runpod)
      let refused = try await Self.drain(api, coordinator, paid.credential)
      #expect(refused.noWork == .idleNotCovered, "\(refused)")
      var outer = try await api.call(.get, "/v1/budget", token: admin).decode(CoordinatorBudget.self)
      let a = try await api.status(first.id)
      let b = try await api.status(second.id)
      let spent = a.spentUsd.micros.value + b.spentUsd.micros.value
      // Neither sweep's own $1 was the limit; together they used the $0.40, and not a µ$ more.
      #expect(spent <= 400_000 && spent >= 360_000, "\(a.spentUsd) + \(b.spentUsd)")
      #expect(outer.spentUsd.micros.value == spent && outer.reservedUsd.micros == .zero)
      #expect(outer.remainingUsd?.micros.value == 400_000 - spent)
      // More money on the coordinator: the sweeps' own budgets bind again.
      let raised = try await api.call(
        .put, "/v1/budget", token: admin, body: #"{"budget_usd": "5", "period": "total"}"#)
      #expect(raised.status == .ok)
      #expect(try await api.lease(paid.credential).lease != nil)
      outer = try await api.call(.get, "/v1/budget", token: admin).decode(CoordinatorBudget.self)
      #expect(outer.budgetUsd?.micros == MicroDollars(5_000_000) && outer.period == .total)
      // None: each sweep's own budget only.
      let cleared = try await api.call(.put, "/v1/budget", token: admin, body: #"{"budget_usd": null}"#)
      #expect(try cleared.decode(CoordinatorBudget.self).budgetUsd == nil)
    }
  }

  @Test func aMonthlyBudgetStartsAfreshAfterThirtyDays() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let admin = TestCoordinator.adminToken
      _ = try await api.call(
        .put, "/v1/budget", token: admin, body: #"{"budget_usd": "0.30", "period": "month"}"#)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 40, budget: "10", minutes: 1))
      let paid = try await api.register(name: "gpu", rate: "3.60", provider: .runpod)
      _ = try await Self.drain(api, coordinator, paid.credential)
      // Told to exit, the box leaves (its bill ends here).
      _ = try await api.call(.delete, "/v1/workers/\(paid.workerId)", token: paid.credential)
      let firstMonth = try await api.status(sweep.id).spentUsd.micros.value
      #expect(firstMonth <= 300_000 && firstMonth >= 270_000)
      coordinator.clock.advance(by: .seconds(30 * 86_400))
      // A new month, a new box: another $0.30.
      let next = try await api.register(name: "gpu-2", rate: "3.60", provider: .runpod)
      _ = try await Self.drain(api, coordinator, next.credential)
      let outer = try await api.call(.get, "/v1/budget", token: admin).decode(CoordinatorBudget.self)
      let total = try await api.status(sweep.id).spentUsd.micros.value
      #expect(total - firstMonth >= 270_000 && outer.spentUsd.micros.value <= 300_000, "\(outer)")
      #expect(outer.periodStartedAt != nil && outer.period == .month)
    }
  }

  @Test func aBadBudgetIsRefusedWithItsField() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let reply = try await api.call(
        .put, "/v1/budget", token: TestCoordinator.adminToken, body: #"{"budget_usd": "5", "period": "weekly"}"#)
      #expect(reply.status == .unprocessableContent || reply.status == .badRequest, "\(reply.text)")
      let worker = try await api.register(name: "w")
      let forbidden = try await api.call(.put, "/v1/budget", token: worker.credential, body: #"{"budget_usd": "5"}"#)
      #expect(forbidden.status == .forbidden || forbidden.status == .unauthorized)
    }
  }
}
