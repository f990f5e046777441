import Foundation
import TestSupport
import Testing

/// The real `sweep-worker` against a real `sweep serve` over loopback, running real subprocesses.
@Suite(.serialized) struct WorkerAgentTests {
  @Test func aWorkerRunsTrialsAndReportsTheirMetrics() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["ok"], trials: 3), to: serve)
    let worker = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 3)
    let results = try fixture.results(id, serve)
    #expect(results.count == 3)
    for result in results {
      #expect(result["accuracy"] as? Double == 0.9)  // last value on stdout
      #expect(result["f1"] as? Double == 0.5)  // from SWEEP_METRICS_FILE
      #expect(result["latency"] as? Double == 1.5)
      #expect(result["loss"] as? Double == 0.9)
      #expect(result["epoch"] == nil)  // progress, not a metric
      #expect(result["worker"] as? String == "laptop")
      #expect(result["status"] as? String == "succeeded")
    }
    let env = try String(contentsOfFile: fixture.out + "/" + fixture.files(".env")[0], encoding: .utf8)
    for key in [
      "SWEEP_TRIAL_ID=", "SWEEP_SWEEP_ID=\(id)", "SWEEP_DOMAIN=a", "SWEEP_WORKER=laptop", "SWEEP_PARAM_MODE=ok",
      "SWEEP_PARAM_X=", "SWEEP_METRICS_FILE=", "SWEEP_ATTEMPT=1",
    ] {
      #expect(env.contains(key), "\(key) missing in \(env)")
    }
    #expect(!worker.log.contains(serve.workerToken))
  }

  /// A worker whose spooled identity the coordinator no longer knows (a new database behind the
  /// same address) is refused as unauthorized, forgets the identity and registers afresh, once.
  @Test func aWorkerRegistersAgainWhenTheCoordinatorForgotIt() throws {
    let fixture = try WorkerFixture()
    let first = try ServeProcess()
    defer { fixture.cleanUp() }
    let spool = fixture.directory.appendingPathComponent("spool-kept").path
    let one = try fixture.submit(fixture.spec(name: "one", modes: ["ok"], trials: 1), to: first)
    let worker = try fixture.worker(first, name: "laptop", spool: spool)
    #expect(try fixture.eventually(30) { try fixture.counts(one, first)["succeeded"] == 1 })
    // Killed, not stopped: a stopped worker deregisters and forgets its identity; this one keeps it.
    worker.kill9()
    first.cleanUp()
    // The same address, a new database: the spooled credential means nothing there.
    let second = try ServeProcess(port: first.port)
    defer { second.cleanUp() }
    let id = try fixture.submit(fixture.spec(name: "two", modes: ["ok"], trials: 1), to: second)
    let again = try fixture.worker(second, name: "laptop", spool: spool, extra: ["--exit-when-done"])
    #expect(again.wait(60) == 0, "\(again.log)")
    #expect(again.log.contains("reusing the identity"))
    #expect(again.log.contains("the coordinator no longer knows this worker; registering again"))
    #expect(try fixture.counts(id, second)["succeeded"] == 1)
  }

  @Test func aTrialThatExitsNonZeroFailsWithItsOutput() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["fail"], trials: 1, maxAttempts: 2), to: serve)
    let worker = try fixture.worker(serve, name: "w", extra: ["--exit-when-done"])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    #expect(try fixture.counts(id, serve)["failed"] == 1)
    let results = try fixture.results(id, serve)
    #expect(results.first?["status"] as? String == "failed")
    #expect(results.first?["attempt"] as? Int == 2)
    #expect(worker.log.contains("failed in"))
    #expect(worker.log.contains("(exit 3)"))
  }

  @Test func aTrialPastItsTimeoutIsStopped() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "6"])
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["hang"], trials: 1, timeout: "2s"), to: serve)
    let started = Date()
    let worker = try fixture.worker(serve, name: "w", extra: ["--exit-when-done"])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    #expect(Date().timeIntervalSince(started) < 40)  // the trial would hang for 60 s
    #expect(try fixture.counts(id, serve)["failed"] == 1)
    #expect(worker.log.contains("timed_out"))
    #expect(fixture.files(".term").count == 1)  // SIGTERM reached the trial's process group
  }

  @Test func cancellingASweepStopsTheRunningTrialThroughTheHeartbeat() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "3"])
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["hang"], trials: 2), to: serve)
    let worker = try fixture.worker(serve, name: "w", extra: ["--exit-when-done"])
    #expect(fixture.eventually(20) { !fixture.files(".env").isEmpty })
    let cancel = try CommandRunner.run(
      "sweep", ["cancel", id, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(cancel.status == 0)
    let cancelledAt = Date()
    #expect(fixture.eventually(30) { !fixture.files(".term").isEmpty }, "\(worker.log)")
    // a heartbeat (TTL/3 = 1 s) plus the stop, typically; the trial would hang for 60 s
    #expect(Date().timeIntervalSince(cancelledAt) < 30)
    #expect(worker.wait(30) == 0, "\(worker.log)")
    #expect(worker.log.contains("cancelled"))
  }

  @Test func aPaidWorkerStopsItsTrialWhenTheAllowanceRunsOutEvenWithoutTheCoordinator() throws {
    let fixture = try WorkerFixture()
    let first = try ServeProcess(extraArguments: ["--lease-ttl", "30"])
    defer { fixture.cleanUp() }
    // estimate 3 s → allowance max(10 s, 4.5 s) = 10 s
    let id = try fixture.submit(fixture.spec(modes: ["hang"], trials: 1, budget: "1", minutes: 0.05), to: first)
    let spool = fixture.directory.appendingPathComponent("spool-gpu").path
    let worker = try fixture.worker(first, name: "gpu", rate: "3.60", spool: spool)
    #expect(fixture.eventually(20) { !fixture.files(".env").isEmpty }, "\(worker.log)")
    let leasedAt = Date()
    first.stop(signal: SIGKILL)  // the coordinator vanishes while the paid trial runs
    #expect(fixture.eventually(25) { !fixture.files(".term").isEmpty }, "\(worker.log)")
    let stoppedAfter = Date().timeIntervalSince(leasedAt)
    #expect(stoppedAfter >= 8 && stoppedAfter < 14, "stopped after \(stoppedAfter) s")
    #expect(fixture.eventually(10) { worker.log.contains("allowance_exhausted") })
    #expect(
      fixture.eventually(5) {
        SpoolContents.pending(spool: spool).count == 1
      })
    // The coordinator comes back on the same database: the spooled result is delivered, once.
    let second = try ServeProcess(directory: first.directory, port: first.port, extraArguments: ["--lease-ttl", "30"])
    defer { second.cleanUp() }
    let delivered = fixture.eventually(40) {
      SpoolContents.pending(spool: spool).isEmpty
    }
    #expect(delivered, "\(worker.log)")
    worker.signal(SIGTERM)
    #expect(worker.wait(30) == 0, "\(worker.log)")
    let status = try fixture.status(id, second)
    let counts = status["counts"] as? [String: Int] ?? [:]
    #expect(counts["failed"] == 0)  // paid time running out is not the trial's fault
    #expect(counts["succeeded"] == 0)
    // pending again, or leased if a lease was granted just as the worker cancelled its long-poll
    #expect((counts["pending"] ?? 0) + (counts["leased"] ?? 0) == 1, "\(counts)")
    // the spooled attempt 1 was delivered exactly once (a second attempt may have started since)
    #expect(worker.log.components(separatedBy: "attempt 1 acknowledged").count - 1 == 1, "\(worker.log)")
    let spent = Double(status["spent_usd"] as? String ?? "") ?? -1
    let budget = Double(status["budget_usd"] as? String ?? "") ?? 0
    #expect(spent > 0 && spent <= budget)
  }

  @Test func sigtermDrainsReleasesUnstartedTrialsAndExitsZero() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "6"])
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["hang"], trials: 3, shardSize: 3), to: serve)
    let worker = try fixture.worker(serve, name: "w")
    #expect(fixture.eventually(20) { !fixture.files(".env").isEmpty }, "\(worker.log)")
    let signalled = Date()
    worker.signal(SIGTERM)
    #expect(worker.wait(40) == 0, "\(worker.log)")
    #expect(Date().timeIntervalSince(signalled) < 40)  // drained, not left to the 60 s trial
    #expect(fixture.files(".term").count == 1)
    #expect(worker.log.contains("released 2 unstarted trial(s)"))
    #expect(worker.log.contains("interrupted"))
    let counts = try fixture.counts(id, serve)
    #expect(counts["pending"] == 3, "\(counts)")  // the interrupted one and the two released ones
    #expect(counts["failed"] == 0)
  }

  @Test func anIdleWorkerExitsAfterMaxIdleAndRunsOnExit() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let marker = fixture.directory.appendingPathComponent("stopped-instance").path
    let worker = try fixture.worker(
      serve, name: "gpu", rate: "0.30", extra: ["--max-idle", "2s", "--on-exit", "echo stopped > '\(marker)'"])
    #expect(worker.wait(30) == 0, "\(worker.log)")
    #expect(FileManager.default.fileExists(atPath: marker))
    #expect(worker.log.contains("--max-idle"))
    let workers = try CommandRunner.run(
      "sweep", ["workers", "--json", "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(workers.stdout.contains("\"state\":\"deregistered\""))
  }

  @Test func aWorkerRunsOnlyAllowedPrograms() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(fixture.spec(modes: ["ok"], trials: 1), to: serve)
    let worker = try fixture.worker(
      serve, name: "locked", extra: ["--exit-when-done", "--allow-command", "/usr/bin/python3"])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    #expect(fixture.files(".env").isEmpty)  // the script never ran
    #expect(try fixture.counts(id, serve)["failed"] == 1)
    let allowed = try fixture.submit(fixture.spec(name: "w2", modes: ["ok"], trials: 1), to: serve)
    let trusting = try fixture.worker(
      serve, name: "trusting", extra: ["--exit-when-done", "--allow-command", fixture.script])
    #expect(trusting.wait(60) == 0, "\(trusting.log)")
    #expect(try fixture.counts(allowed, serve)["succeeded"] == 1)
  }

  @Test func badArgumentsExit2AndARefusedTokenExits3() throws {
    let missing = try CommandRunner.run("sweep-worker", ["--token", "x"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("--coordinator: missing"))
    let slots = try CommandRunner.run(
      "sweep-worker", ["--coordinator", "http://127.0.0.1:1", "--token", "x", "--slots", "0"])
    #expect(slots.status == 2)
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let refused = try CommandRunner.run(
      "sweep-worker",
      ["--coordinator", serve.url, "--token", "wrong", "--spool", fixture.directory.appendingPathComponent("s").path])
    #expect(refused.status == 3, "\(refused.stderr)")
    #expect(refused.stderr.contains("refused"))
  }

  /// Two workers on one spool would resend each other's results under the wrong identity: the
  /// second is refused with a message that names the folder and says what to do.
  @Test func aSecondWorkerOnTheSameSpoolExits2NamingIt() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let spool = fixture.directory.appendingPathComponent("shared-spool").path
    let first = try fixture.worker(serve, name: "first", spool: spool)
    defer { first.kill9() }
    #expect(fixture.eventually(20) { first.log.contains("registered as") }, "\(first.log)")
    let second = try CommandRunner.run(
      "sweep-worker", ["--coordinator", serve.url, "--token", serve.workerToken, "--name", "second", "--spool", spool])
    #expect(second.status == 2, "\(second.stderr)")
    #expect(second.stderr.contains("--spool: another sweep-worker is using the spool \(spool)"), "\(second.stderr)")
    #expect(second.stderr.contains("give each worker its own --spool"))
  }
}
