import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import Testing

/// A flat subscription (Colab Pro): the fee once per period, to the sweep of the worker's first
/// lease in it; free at the margin in between; refused when the budget cannot pay the fee.
@Suite struct SubscriptionTests {
  @Test func theFeeIsChargedOncePerPeriodAndTheWorkerIsFreeInBetween() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 4, budget: "15", minutes: 1))
      let body = try api.json(
        RegisterWorkerRequest(
          name: "colab", provider: .colab, hourlyCostUsd: DollarAmount(.zero),
          subscription: Subscription(feeUsd: DollarAmount(MicroDollars(10_000_000)), period: "month")))
      let reply = try await api.call(.post, "/v1/workers", token: TestCoordinator.joinToken, body: body)
      #expect(reply.status == .created, "\(reply.text)")
      let colab = try reply.decode(RegisterWorkerResponse.self)
      // The first lease of the month pays the $10 fee; the lease itself is free (no allowance).
      var lease = try #require(try await api.lease(colab.credential).lease)
      #expect(lease.allowanceS == nil)
      var status = try await api.status(sweep.id)
      #expect(
        status.spentUsd.micros == MicroDollars(10_000_000) && status.feesSpentUsd?.micros == status.spentUsd.micros)
      // Within the month: no second fee, however long the trials run.
      for _ in 0..<2 {
        coordinator.clock.advance(by: .seconds(6 * 3600))
        _ = try await api.report(colab.credential, lease: lease, trial: lease.trials[0])
        lease = try #require(try await api.lease(colab.credential).lease)
      }
      status = try await api.status(sweep.id)
      #expect(status.spentUsd.micros == MicroDollars(10_000_000))
      // A month later the next lease would need another $10; $5 are left: no work.
      coordinator.clock.advance(by: .seconds(30 * 86_400))
      _ = try await api.report(colab.credential, lease: lease, trial: lease.trials[0])
      let refused = try await api.lease(colab.credential)
      #expect(refused.lease == nil && refused.noWork == .budgetExhausted)
      status = try await api.status(sweep.id)
      #expect(status.spentUsd.micros == MicroDollars(10_000_000) && status.counts.succeeded == 3)
      let workers = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self)
      let listed = try #require(workers.workers.first?.subscription)
      #expect(listed.period == "month" && listed.chargedUsd.micros == MicroDollars(10_000_000))
      #expect(workers.workers.first?.billing == nil)
    }
  }

  @Test func aSubscriptionWithAnHourlyRateOrAnUnknownPeriodIsRefusedWithItsPlace() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      for (rate, period, fragment) in [
        (MicroDollars(100_000), "month", "subscription: a subscription worker is free at the margin"),
        (MicroDollars.zero, "fortnight", "subscription.period: 'fortnight' is not one of day, week, month"),
      ] {
        let body = try api.json(
          RegisterWorkerRequest(
            name: "colab", provider: .colab, hourlyCostUsd: DollarAmount(rate),
            subscription: Subscription(feeUsd: DollarAmount(MicroDollars(10_000_000)), period: period)))
        let reply = try await api.call(.post, "/v1/workers", token: TestCoordinator.joinToken, body: body)
        #expect(reply.status == .unprocessableContent && reply.text.contains(fragment), "\(reply.text)")
      }
    }
  }
}
