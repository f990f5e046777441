import Foundation
import GRDB
import TestSupport
import Testing

/// The coordinator runs on a laptop that sleeps: SIGSTOP it past the rented box's `--max-idle`.
/// The box must stop itself (running `--on-exit`) instead of billing on, and when the laptop
/// wakes, the leases its absence let lapse must not use up the trials' attempts.
@Suite(.serialized) struct CoordinatorAbsenceTests {
  @Test func aPaidBoxStopsItselfWhileTheCoordinatorSleepsAndNoAttemptIsUsedUp() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "3"])
    defer { serve.cleanUp() }
    // One attempt each: any expiry counted against a trial would fail it.
    let id = try fixture.submit(
      fixture.spec(modes: ["long"], trials: 2, maxAttempts: 1, budget: "1", minutes: 0.05), to: serve)
    let stopped = fixture.directory.appendingPathComponent("instance-stopped").path
    let boxStarted = Date()
    let paid = try fixture.worker(
      serve, name: "gpu", rate: "36", extra: ["--max-idle", "4s", "--on-exit", "touch '\(stopped)'"])
    #expect(fixture.eventually(20) { !fixture.files(".env").isEmpty }, "\(paid.log)")
    serve.signal(SIGSTOP)  // the laptop closes its lid with a trial running on the box
    let asleep = Date()
    // The trial ends (3 s), its result cannot be sent (the worker waits 5 s for it), no answer
    // comes to the next lease request (its timeout: the 2 s long-poll + 10 s): past --max-idle,
    // the box exits (after 10 s more trying to deliver the result) and stops the instance,
    // though the coordinator never said a word.
    let exit = paid.wait(45)
    let awayFor = Date().timeIntervalSince(asleep)
    let boxLife = Date().timeIntervalSince(boxStarted)
    #expect(exit == 0, "\(paid.log)")
    #expect(awayFor < 45, "bounded: 3 + 5 + 12 + 10 s, and scheduling slack")
    #expect(FileManager.default.fileExists(atPath: stopped), "\(paid.log)")
    #expect(paid.log.contains("exiting (--max-idle)"), "\(paid.log)")
    serve.signal(SIGCONT)  // the laptop wakes
    // A free worker finishes the sweep: the box's lapsed lease is excused and its trial re-run.
    // (Not --exit-when-done: a lease request the box sent before it left may be granted after the
    // wake, so for a TTL the trial looks leased, though nobody runs it; then it is re-queued.)
    let laptop = try fixture.worker(serve, name: "laptop")
    #expect(
      fixture.eventually(60) { (try? fixture.status(id, serve))?["state"] as? String == "completed" },
      "\(laptop.log)\n\(serve.log)")
    laptop.signal(SIGTERM)
    #expect(laptop.wait(30) == 0, "\(laptop.log)")
    #expect(serve.log.contains("the coordinator was away"), "\(serve.log)")
    let counts = try fixture.counts(id, serve)
    #expect(counts["succeeded"] == 2 && counts["failed"] == 0, "\(counts)")

    let database = try DatabaseQueue(path: serve.databasePath)
    defer { try? database.close() }
    // The box's bill is closed (by its late deregistration, or by the reaper once its promised
    // stop has passed: its last contact or paid time, + 4 s --max-idle + 60 s to leave).
    #expect(
      fixture.eventually(120) {
        (try? database.read { db in
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workers WHERE name = 'gpu' AND hold_sweep_id IS NULL")
        }) == 1
      }, "\(serve.log)")
    let (counted, spent, budget, billedMs, boxBill) = try database.read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempts WHERE reason LIKE '%within the TTL%'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT spent FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT budget FROM sweeps") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT billed_until - billed_from FROM workers WHERE name = 'gpu'") ?? -1,
        try Int64.fetchOne(db, sql: "SELECT spent + idle_charged FROM workers WHERE name = 'gpu'") ?? -1
      )
    }
    #expect(counted == 0, "no expiry may count against a trial\n\(serve.log)")
    #expect(spent <= budget)
    // The box's bill covers its whole life ($36/h: 10 µ$ per ms), and the budget paid all of it:
    // its deregistration, sent before it gave up and exited, is answered after the wake, so the
    // bill ends then; had it never arrived, the reaper would have billed the box up to its
    // promised stop. (`boxLife` runs from before the spawn to when the 50 ms poll saw the exit.)
    #expect(Double(billedMs) / 1000 >= boxLife - 0.1, "billed \(billedMs) ms, lived \(boxLife) s")
    #expect(boxBill >= Int64((boxLife - 0.1) * 10_000) && boxBill <= spent, "bill \(boxBill) µ$, spent \(spent) µ$")
    print(
      "coordinator absence: the box stopped itself \(String(format: "%.1f", awayFor)) s after the coordinator went to sleep (trial 3 s, result wait 5 s, unanswered lease request 12 s, delivery 10 s); 0 attempts used up; the box lived \(String(format: "%.1f", boxLife)) s and was billed \(billedMs) ms = \(boxBill) µ$; spent \(spent) µ$"
    )
  }
}
