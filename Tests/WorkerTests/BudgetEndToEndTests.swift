import Foundation
import GRDB
import TestSupport
import Testing

/// The hard cap, end to end with real processes: paid workers use nearly all of a budget — the
/// last leases shrink to what is left — nearly all of what leases cost turns into completed
/// trials, the boxes' whole lives are on the bill, and not a micro-dollar more is spent.
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
    // Default --max-idle (10 min): an idle window of $6 at $36/h, far more than the budget. So
    // the first lease is a last lease, the window paying for work, and whoever gets nothing more
    // is told to exit: both boxes stop themselves and run --on-exit.
    let stoppedFirst = fixture.directory.appendingPathComponent("stopped-1").path
    let stoppedSecond = fixture.directory.appendingPathComponent("stopped-2").path
    let first = try fixture.worker(serve, name: "gpu-1", rate: "36", extra: ["--on-exit", "touch \(stoppedFirst)"])
    let second = try fixture.worker(serve, name: "gpu-2", rate: "36", extra: ["--on-exit", "touch \(stoppedSecond)"])
    var last: [String: Any] = [:]
    // Done when nothing is reserved and less than a tenth is left: every charge is booked.
    let used = fixture.eventually(90) {
      last = (try? fixture.status(id, serve)) ?? [:]
      let remaining = (last["remaining_usd"] as? String).flatMap(Double.init) ?? 1
      let reserved = (last["reserved_usd"] as? String).flatMap(Double.init) ?? 1
      return reserved == 0 && remaining < 0.005
    }
    #expect(used, "\(last)\n\(first.log)\n\(second.log)")
    #expect(first.wait(30) == 0, "\(first.log)")
    #expect(second.wait(30) == 0, "\(second.log)")
    for worker in [first, second] {
      #expect(worker.log.contains("no work: idle_not_covered"), "\(worker.log)")
    }
    #expect(
      FileManager.default.fileExists(atPath: stoppedFirst) && FileManager.default.fileExists(atPath: stoppedSecond))

    let database = try DatabaseQueue(path: serve.directory.appendingPathComponent("sweep.db").path)
    defer { try? database.close() }
    let (spent, idle, budget, succeeded, succeededCost, attemptCosts, pending) = try database.read { db in
      (
        try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT idle_spent FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT budget FROM sweeps") ?? -1,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE state = 'succeeded'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE state = 'succeeded'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts") ?? -2,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE state = 'pending'") ?? -1
      )
    }
    #expect(pending > 0, "paid work must remain for the budget to be the limit")
    #expect(spent <= budget, "overspend \(spent - budget) µ$")
    // Every micro-dollar is on a trial's record or is the boxes' idle time.
    #expect(spent == attemptCosts + idle)
    #expect(succeeded > 0)
    // At least 90% of the budget is used: the last leases shrink to what is left.
    #expect(spent * 10 >= budget * 9, "spent \(spent) µ$ of \(budget) µ$")
    // Of what paid for leases (the rest is the box's idle time: its start, the round trips
    // between leases — at $36/h a millisecond is 10 µ$), at least 90% went to completed trials.
    #expect(
      succeededCost * 10 >= (spent - idle) * 9, "completed paid trials cost \(succeededCost) µ$ of \(spent - idle) µ$")
    print(
      "budget end to end: \(succeeded) paid trials completed for \(succeededCost) µ$ (\(succeededCost * 1000 / budget)‰ of \(budget) µ$, \(succeededCost * 1000 / max(1, spent - idle))‰ of the \(spent - idle) µ$ spent on leases); spent \(spent) µ$ (\(spent * 1000 / budget)‰; idle \(idle) µ$), overspend 0"
    )
  }
}
