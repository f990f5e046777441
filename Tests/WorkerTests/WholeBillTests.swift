import Foundation
import GRDB
import Shared
import TestSupport
import Testing

/// A rented box's whole life on the bill, with real processes: from its declared boot to its
/// exit, idle included, under the budget.
@Suite(.serialized) struct WholeBillTests {
  @Test func aPaidBoxIsBilledForItsWholeLifeIdleIncludedAndNeverPastTheBudget() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    // $3.60/h = 1 µ$ per ms. The worker promises to stop after 2 s without work: its 2 s idle
    // window ($0.002) is held beside each lease. It booted a minute before it started.
    let id = try fixture.submit(fixture.spec(modes: ["ok"], trials: 3, budget: "1", minutes: 0.002), to: serve)
    let stopped = fixture.directory.appendingPathComponent("stopped").path
    let boot = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 60_000)
    let started = Date()
    let worker = try fixture.worker(
      serve, name: "gpu", rate: "3.60",
      extra: ["--max-idle", "2s", "--on-exit", "touch \(stopped)", "--billing-started-at", boot.iso8601])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    let life = Date().timeIntervalSince(started)
    #expect(FileManager.default.fileExists(atPath: stopped), "\(worker.log)")
    #expect(worker.log.contains("exiting (--max-idle)"), "\(worker.log)")

    let list = try CommandRunner.run(
      "sweep", ["workers", "--json", "--coordinator", serve.url, "--token", serve.adminToken])
    let workers = try WireCoding.decoder().decode(WorkerList.self, from: Data(list.stdout.utf8)).workers
    let bill = try #require(workers.first?.billing)
    // Billed from the declared boot to the deregistration: the minute before, then at least the
    // 2 s it idled before it stopped itself, never more than the process lived.
    #expect(bill.billedS >= 60 + 2 && bill.billedS <= 60 + life + 1, "\(bill)")
    #expect(bill.idleS >= 60 + 1.9 && bill.workingS > 0, "\(bill)")
    #expect(bill.idleHeldUsd.micros == .zero && bill.idleSweepId == nil)
    // At $3.60/h a millisecond costs a micro-dollar: the bill is its life in milliseconds, give
    // or take the rounding up of each lease's and the idle total's charge.
    let lifeMicros = Int64((bill.billedS * 1000).rounded())
    #expect(abs(bill.billedUsd.micros.value - lifeMicros) <= 10, "\(bill)")

    let status = try fixture.status(id, serve)
    let spent = Double(status["spent_usd"] as? String ?? "") ?? -1
    let idle = Double(status["idle_spent_usd"] as? String ?? "") ?? -1
    // The boot minute and the idle time were charged to the sweep (its budget could pay them).
    #expect(idle >= 0.060 + 0.0019 && spent <= 1, "\(status)")
    #expect(Double(status["reserved_usd"] as? String ?? "") == 0, "\(status)")
    #expect(bill.unbudgetedIdleUsd.micros == .zero)
    #expect(abs(spent - Double(bill.billedUsd.micros.value) / 1e6) < 1e-9, "\(status) \(bill)")
    print(
      "whole bill: process lived \(String(format: "%.2f", life)) s; billed \(bill.billedS) s (\(bill.idleS) s idle, 60 s of it before start) = $\(bill.billedUsd.micros.decimalString)"
    )
  }

  @Test func aSubscriptionBoxPaysItsFeeOnceAndRunsFreeAfterwards() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let id = try fixture.submit(fixture.spec(modes: ["ok"], trials: 3, budget: "15", minutes: 0.002), to: serve)
    let colab = try fixture.worker(
      serve, name: "colab", extra: ["--subscription-usd", "10", "--period", "month", "--exit-when-done"])
    #expect(colab.wait(60) == 0, "\(colab.log)")
    let status = try fixture.status(id, serve)
    #expect(status["state"] as? String == "completed", "\(status)")
    #expect(status["spent_usd"] as? String == "10.00" && status["fees_spent_usd"] as? String == "10.00", "\(status)")
    let table = try CommandRunner.run("sweep", ["workers", "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(table.stdout.contains("$10.00 (subscription, $10.00/month)"), "\(table.stdout)")
    // Said before anything starts, with the flag to fix.
    let refused = try CommandRunner.run(
      "sweep-worker",
      ["--coordinator", serve.url, "--token", serve.workerToken, "--subscription-usd", "10", "--hourly-cost", "0.5"])
    #expect(refused.status != 0 && refused.stderr.contains("--subscription-usd: a subscription worker is free"))
  }

  @Test func pricedTrialsAreChargedWhatTheyReportAndOneOverItsPriceIsStopped() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    // A fine-tuning API at $1 a job, run from a free laptop: `api` reports $0.30, `pricey` goes
    // to $1.50 and would go on, `ok` reports no cost at all.
    let spec = fixture.spec(modes: ["api", "pricey", "ok"], trials: 3, budget: "5", minutes: 0.01)
      .replacing(
        "estimate: {minutes_per_trial: 0.01}", with: "estimate: {minutes_per_trial: 0.01, cost_usd_per_trial: 1}")
    let id = try fixture.submit(spec, to: serve)
    let laptop = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    #expect(laptop.wait(60) == 0, "\(laptop.log)")
    let rows = try fixture.results(id, serve)
    func row(_ mode: String) -> [String: Any]? { rows.first { $0["mode"] as? String == mode } }
    let api = try #require(row("api"), "\(rows)")
    let pricey = try #require(row("pricey"), "\(rows)")
    let plain = try #require(row("ok"), "\(rows)")
    #expect(api["status"] as? String == "succeeded" && api["cost"] as? Double == 0.3, "\(api)")
    #expect(plain["status"] as? String == "succeeded" && plain["cost"] as? Double == 1, "\(plain)")
    // Stopped like an allowance running out (SIGTERM, its trap ran), charged what it reported.
    // It counts as a failure of the trial (max_attempts 1): it would cost as much again.
    let error = pricey["error"] as? String ?? ""
    #expect(pricey["status"] as? String == "failed" && pricey["cost"] as? Double == 1.5, "\(pricey)")
    #expect(error.hasPrefix("cost_exceeded") && error.contains("raise estimate.cost_usd_per_trial"), "\(pricey)")
    #expect(fixture.files(".term").count == 1, "\(fixture.files(".term"))")
    // The trial knew its limit.
    let env = try fixture.files(".env").map { try String(contentsOfFile: fixture.out + "/" + $0, encoding: .utf8) }
    #expect(env.allSatisfy { $0.contains("SWEEP_COST_LIMIT_USD=1.00") }, "\(env)")
    let status = try fixture.status(id, serve)
    #expect(
      status["spent_usd"] as? String == "2.80" && status["trial_cost_spent_usd"] as? String == "2.80", "\(status)")
    #expect(status["reserved_usd"] as? String == "0.00", "\(status)")
    let text = try CommandRunner.run("sweep", ["status", id, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(text.stdout.contains("of which priced trials $2.80"), "\(text.stdout)")
  }
}
