import Foundation
import GRDB
import TestSupport
import Testing

/// Real processes killed with SIGKILL mid-sweep — the coordinator twice, a paid worker once —
/// then the invariants checked from the database and from results.jsonl independently.
@Suite(.serialized) struct CrashRecoveryTests {
  @Test func killingTheCoordinatorAndAWorkerMidSweepLosesNothingAndDuplicatesNothing() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    var serve = try ServeProcess(extraArguments: ["--lease-ttl", "3"])
    let directory = serve.directory
    let port = serve.port
    defer { serve.cleanUp() }
    // $36/h = 10,000 µ$/s: money moves fast; the budget runs out mid-sweep and the free worker finishes.
    let id = try fixture.submit(
      fixture.spec(modes: ["slow"], trials: 30, maxAttempts: 5, budget: "0.15", minutes: 0.02), to: serve)
    let paidSpool = fixture.directory.appendingPathComponent("spool-gpu").path
    var paid = try fixture.worker(serve, name: "gpu", rate: "36", spool: paidSpool)
    let free = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    var faults: [String] = []
    func finished() -> Int {
      ((try? fixture.counts(id, serve)) ?? [:]).reduce(0) {
        $0 + (["succeeded", "failed", "cancelled"].contains($1.key) ? $1.value : 0)
      }
    }
    for round in 0..<3 {
      _ = fixture.eventually(30) { finished() >= 6 * (round + 1) }
      if round < 2 {
        serve.stop(signal: SIGKILL)
        faults.append("kill -9 coordinator")
        usleep(700_000)
        serve = try ServeProcess(directory: directory, port: port, extraArguments: ["--lease-ttl", "3"])
      } else {
        paid.kill9()
        faults.append("kill -9 paid worker")
        paid = try fixture.worker(serve, name: "gpu", rate: "36", spool: paidSpool)
      }
    }
    #expect(
      fixture.eventually(120) { (try? fixture.status(id, serve))?["state"] as? String == "completed" }, "\(free.log)")
    _ = free.wait(30)
    paid.signal(SIGTERM)
    #expect(paid.wait(30) == 0, "\(paid.log)")

    // From the database.
    let database = try DatabaseQueue(path: directory.appendingPathComponent("sweep.db").path)
    defer { try? database.close() }
    let (trials, completedResults, duplicates, spent, budget, attemptCosts, idle) = try database.read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE state = 'succeeded'") ?? -1,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results WHERE completed = 1") ?? -1,
        try Int.fetchOne(
          db,
          sql:
            "SELECT COUNT(*) FROM (SELECT trial_id FROM results WHERE completed = 1 GROUP BY trial_id HAVING COUNT(*) > 1)"
        )
          ?? -1,
        try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT budget FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts") ?? -2,
        try Int64.fetchOne(db, sql: "SELECT idle_spent FROM sweeps") ?? -3
      )
    }
    #expect(trials == 30 && completedResults == 30 && duplicates == 0)
    #expect(spent <= budget)
    // Every micro-dollar is an attempt's cost or the paid box's idle time (whole-life billing).
    #expect(spent == attemptCosts + idle)
    #expect(spent > 0)  // the paid worker did work before the budget ran out…
    // …until the remaining budget could not cover another lease (10 s allowance + 1.75 s at 10,000 µ$/s)
    #expect(budget - spent < 117_500, "spent \(spent) of \(budget)")
    // From results.jsonl, independently.
    let results = try fixture.results(id, serve)
    #expect(results.count == 30)
    #expect(Set(results.compactMap { $0["trial_id"] as? String }).count == 30)
    #expect(results.allSatisfy { $0["status"] as? String == "succeeded" })
    #expect(results.contains { $0["worker"] as? String == "laptop" })
    // Every result a worker saw acknowledged as completed is the trial's result.
    let acknowledged = (paid.log + free.log).split(separator: "\n").compactMap { line -> (String, Int)? in
      guard line.contains("acknowledged: completed"), let range = line.range(of: "result of ") else { return nil }
      let words = line[range.upperBound...].split(separator: " ")
      return (String(words[0]), Int(words[2]) ?? 0)
    }
    let byTrial = Dictionary(
      uniqueKeysWithValues: results.map { ($0["trial_id"] as? String ?? "", $0["attempt"] as? Int ?? 0) })
    for (trial, attempt) in acknowledged { #expect(byTrial[trial] == attempt, "\(trial) attempt \(attempt)") }
    print(
      "crash recovery: faults \(faults.joined(separator: ", ")); 30 trials, 30 completed, 0 duplicates, 0 lost, spent \(spent) µ$ of \(budget) µ$"
    )
  }

  @Test func aWorkerStoppedPastItsLeaseReportsLateAndOnlyOneResultCounts() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "3"])
    defer { serve.cleanUp() }
    let id = try fixture.submit(fixture.spec(modes: ["long"], trials: 1, maxAttempts: 5), to: serve)
    let sleeper = try fixture.worker(serve, name: "sleeper")
    #expect(fixture.eventually(20) { !fixture.files(".env").isEmpty }, "\(sleeper.log)")
    sleeper.signal(SIGSTOP)  // a laptop closing its lid: the worker freezes, its trial runs on
    let other = try fixture.worker(serve, name: "other")
    // the lease expires (TTL 3 s), the trial is re-queued and the other worker runs attempt 2
    #expect(fixture.eventually(20) { fixture.files(".env").count == 2 }, "\(other.log)")
    usleep(1_000_000)
    sleeper.signal(SIGCONT)
    #expect(fixture.eventually(30) { (try? fixture.counts(id, serve))?["succeeded"] == 1 })
    // Either the late report wins (the trial had no result yet) and the re-run is cancelled through
    // its heartbeat, or the re-run wins and the late report is refused with 409: never both.
    #expect(
      fixture.eventually(15) {
        let logs = sleeper.log + other.log
        return logs.contains("acknowledged: completed")
          && (logs.contains("trial_already_completed") || logs.contains("attempt 2: cancelled"))
      }, "\(sleeper.log)\n\(other.log)")
    sleeper.signal(SIGTERM)
    other.signal(SIGTERM)
    #expect(sleeper.wait(30) == 0)
    #expect(other.wait(30) == 0)
    let results = try fixture.results(id, serve)
    #expect(results.count == 1)
    let completions = (sleeper.log + other.log).components(separatedBy: "acknowledged: completed").count - 1
    #expect(completions == 1)
  }

  @Test func resultsSpooledDuringAnOutageAreResentTogetherAndCountOnce() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    var serve = try ServeProcess(extraArguments: ["--lease-ttl", "60"])
    let directory = serve.directory
    let port = serve.port
    defer { serve.cleanUp() }
    // One lease of 8 trials of 0.4 s each: most of them end while the coordinator is down.
    let id = try fixture.submit(fixture.spec(modes: ["slow"], trials: 8, shardSize: 8), to: serve)
    let worker = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    #expect(fixture.eventually(30) { (try? fixture.counts(id, serve))?["succeeded"] ?? 0 >= 1 }, "\(worker.log)")
    serve.stop(signal: SIGKILL)
    #expect(fixture.eventually(30) { fixture.files(".env").count == 8 }, "\(worker.log)")
    usleep(600_000)  // the last trial's result is spooled too
    serve = try ServeProcess(directory: directory, port: port, extraArguments: ["--lease-ttl", "60"])
    #expect(
      fixture.eventually(60) { (try? fixture.status(id, serve))?["state"] as? String == "completed" }, "\(worker.log)")
    #expect(worker.wait(30) == 0, "\(worker.log)")
    let batched = worker.log.split(separator: "\n").compactMap { line -> Int? in
      guard let range = line.range(of: " results answered in one request") else { return nil }
      return Int(line[..<range.lowerBound].split(separator: " ").last ?? "")
    }
    #expect(batched.contains { $0 >= 2 }, "\(worker.log)")
    let results = try fixture.results(id, serve)
    #expect(results.count == 8 && Set(results.compactMap { $0["trial_id"] as? String }).count == 8)
    #expect(worker.log.components(separatedBy: "acknowledged: completed").count - 1 == 8)
  }
}
