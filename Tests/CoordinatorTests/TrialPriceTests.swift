import Coordinator
import Foundation
import HummingbirdTesting
import Logging
import Shared
import Testing

/// Trials priced per job (a fine-tuning API): each lease holds its trials' price, a report
/// charges what the trial says it cost (`cost_usd`, else its price) and gives the rest back at
/// once; an expired lease's trials are charged their price; the budget refuses what it cannot hold.
@Suite struct TrialPriceTests {
  static func pricedSweep(budget: String, price: String = "1", trials: Int = 3) -> String {
    TestSpecs.sweep(domains: "[a]", trials: trials, budget: budget, minutes: 1)
      .replacing(
        "estimate: {minutes_per_trial: 1.0}", with: "estimate: {minutes_per_trial: 1, cost_usd_per_trial: \(price)}")
  }

  @Test func aFreeWorkersTrialsAreChargedWhatTheyReportOrTheirPriceAndStopAtTheBudget() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(Self.pricedSweep(budget: "2.5", trials: 5))
      let laptop = try await api.register(name: "laptop")
      // The lease holds the trial's price, and says so to the worker.
      var lease = try #require(try await api.lease(laptop.credential).lease)
      #expect(lease.trialCostLimitUsd?.micros == MicroDollars(1_000_000) && lease.allowanceS == nil)
      #expect(try await api.status(sweep.id).reservedUsd.micros == MicroDollars(1_000_000))
      // It reports $0.40: charged that, the other $0.60 free again at once.
      var ack = try await api.report(
        laptop.credential, lease: lease, trial: lease.trials[0], metrics: ["accuracy": 0.8, "cost_usd": 0.4]
      ).decode(ResultAck.self)
      #expect(ack.costUsd.micros == MicroDollars(400_000))
      var status = try await api.status(sweep.id)
      #expect(status.spentUsd.micros == MicroDollars(400_000) && status.reservedUsd.micros == .zero)
      // One that reports no cost is charged its price.
      lease = try #require(try await api.lease(laptop.credential).lease)
      ack = try await api.report(laptop.credential, lease: lease, trial: lease.trials[0]).decode(ResultAck.self)
      #expect(ack.costUsd.micros == MicroDollars(1_000_000))
      // One stopped over its price is charged what it reported ($1.20: real money was paid), counts
      // as a failure of the trial, and takes nothing from what other leases hold.
      lease = try #require(try await api.lease(laptop.credential).lease)
      ack = try await api.report(
        laptop.credential, lease: lease, trial: lease.trials[0], status: .costExceeded,
        metrics: ["cost_usd": 1.2]
      ).decode(ResultAck.self)
      #expect(ack.costUsd.micros == MicroDollars(1_200_000) && ack.trialState == "pending")
      status = try await api.status(sweep.id)
      #expect(status.spentUsd.micros == MicroDollars(2_600_000) && status.reservedUsd.micros == .zero)
      #expect(status.trialCostSpentUsd?.micros == MicroDollars(2_600_000))
      // Nothing is left to hold another trial's price: even a free worker gets no more of it.
      let refused = try await api.lease(laptop.credential)
      #expect(refused.lease == nil && refused.noWork == .budgetExhausted, "\(refused)")
      #expect(refused.message?.contains("price per trial") == true, "\(refused.message ?? "")")
    }
  }

  @Test func aPricedTrialWhoseLeaseExpiresIsChargedItsPrice() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(Self.pricedSweep(budget: "5", price: "0.75"))
      let laptop = try await api.register(name: "laptop")
      _ = try #require(try await api.lease(laptop.credential).lease)
      coordinator.clock.advance(by: .seconds(120))
      await coordinator.server.reaper(logger: Logger(label: "test")).runOnce()
      // The job may have run and billed: the coordinator's figure never understates the bill.
      let status = try await api.status(sweep.id)
      #expect(status.spentUsd.micros == MicroDollars(750_000) && status.reservedUsd.micros == .zero)
      #expect(status.trialCostSpentUsd?.micros == MicroDollars(750_000))
    }
  }

  @Test func aPaidWorkersLeaseHoldsItsMachineTimeAndItsTrialsPriceAsOneHold() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(Self.pricedSweep(budget: "10", price: "0.5"))
      let gpu = try await api.register(name: "gpu", rate: "3.60", provider: .vast)
      let lease = try #require(try await api.lease(gpu.credential).lease)
      // 105 s of machine time and its idle window (one 60 s TTL and 60 s to leave) at $0.001/s,
      // and the trial's $0.50.
      #expect(try await api.status(sweep.id).reservedUsd.micros == MicroDollars(725_000))
      coordinator.clock.advance(by: .seconds(40))
      let ack = try await api.report(
        gpu.credential, lease: lease, trial: lease.trials[0], metrics: ["accuracy": 0.8, "cost_usd": 0.3]
      ).decode(ResultAck.self)
      // 40 s of machine time and the $0.30 the trial reported.
      #expect(ack.costUsd.micros == MicroDollars(340_000))
      let status = try await api.status(sweep.id)
      #expect(
        status.spentUsd.micros == MicroDollars(340_000) && status.trialCostSpentUsd?.micros == MicroDollars(300_000))
      // Only the idle window is still held.
      #expect(status.reservedUsd.micros == MicroDollars(120_000))
    }
  }

  @Test func aPriceNoBudgetCouldPayIsRefusedWithItsPlace() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let reply = try await api.call(
        .post, "/v1/sweeps", token: TestCoordinator.adminToken, body: Self.pricedSweep(budget: "0.5", price: "2"),
        contentType: "application/yaml")
      #expect(reply.status == .unprocessableContent, "\(reply.text)")
      #expect(reply.text.contains("estimate") && reply.text.contains("raise budget_usd"), "\(reply.text)")
    }
  }
}
