import Foundation
import GRDB
import TestSupport
import Testing

/// The hard cap, end to end with real processes: paid workers turn nearly all of a budget into
/// completed trials — the last leases shrink to what is left — and never spend a micro-dollar more.
@Suite(.serialized) struct BudgetEndToEndTests {
  @Test func twoPaidWorkersUseAtLeast90PercentOfATinyBudgetAndNeverMore() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    // $36/h = 10 µ$ per millisecond: $0.05 is 5 s of paid time for both workers together, less
    // than one default lease's reservation (10 s allowance + 15 s stop grace and report margin).
    // Far more trials than that pays for (a trial takes 10-30 ms), so the budget is the limit.
    let id = try fixture.submit(
      fixture.spec(modes: ["ok"], trials: 3000, budget: "0.05", minutes: 0.002), to: serve)
    let first = try fixture.worker(serve, name: "gpu-1", rate: "36")
    let second = try fixture.worker(serve, name: "gpu-2", rate: "36")
    var last: [String: Any] = [:]
    // Done when nothing is reserved and less than a tenth is left: every charge is booked.
    let used = fixture.eventually(90) {
      last = (try? fixture.status(id, serve)) ?? [:]
      let remaining = (last["remaining_usd"] as? String).flatMap(Double.init) ?? 1
      let reserved = (last["reserved_usd"] as? String).flatMap(Double.init) ?? 1
      return reserved == 0 && remaining < 0.005
    }
    #expect(used, "\(last)\n\(first.log)\n\(second.log)")
    #expect(
      fixture.eventually(30) {
        first.log.contains("no work: budget_exhausted") && second.log.contains("no work: budget_exhausted")
      }, "\(first.log)\n\(second.log)")
    first.signal(SIGTERM)
    second.signal(SIGTERM)
    #expect(first.wait(30) == 0, "\(first.log)")
    #expect(second.wait(30) == 0, "\(second.log)")

    let database = try DatabaseQueue(path: serve.directory.appendingPathComponent("sweep.db").path)
    defer { try? database.close() }
    let (spent, budget, succeeded, succeededCost, attemptCosts, pending) = try database.read { db in
      (
        try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT budget FROM sweeps") ?? -1,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE state = 'succeeded'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE state = 'succeeded'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts") ?? -2,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE state = 'pending'") ?? -1
      )
    }
    #expect(pending > 0, "paid work must remain for the budget to be the limit")
    #expect(spent <= budget, "overspend \(spent - budget) µ$")
    #expect(spent == attemptCosts)
    #expect(succeeded > 0)
    #expect(succeededCost * 10 >= budget * 9, "completed paid trials cost \(succeededCost) µ$ of \(budget) µ$")
    print(
      "budget end to end: \(succeeded) paid trials completed for \(succeededCost) µ$ (\(succeededCost * 1000 / budget)‰ of \(budget) µ$); spent \(spent) µ$, overspend 0"
    )
  }
}
