import Foundation
import TestSupport
import Testing

/// What a new user meets first: a command that cannot work. The sweep pauses itself with the
/// reason instead of burning every trial and attempt, `sweep status` and `sweep results` say why,
/// and `sweep resume` continues once it is fixed. Real serve, real worker, real python.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct BrokenCommandTests {
  @Test func aMissingScriptPausesTheSweepWithPythonsComplaintAndResumeFinishesIt() async throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let project = fixture.directory.appendingPathComponent("project").path
    try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    let id = try await CommandRunner.offPool {
      try fixture.submit(
        """
        name: broken
        domains: [a]
        sampler: lhs
        trials_per_domain: 8
        max_attempts: 3
        estimate: {minutes_per_trial: 0.05}
        space:
          rank: {values: [4, 8]}
          x: {uniform: [0, 1]}
        command: [python3, train_lora.py, --rank, "{rank}", --x, "{x}"]
        """, to: serve)
    }
    let worker = try WorkerProcess(
      arguments: [
        "--coordinator", serve.url, "--token", serve.workerToken, "--name", "laptop", "--laptop", "off", "--spool",
        fixture.directory.appendingPathComponent("spool").path,
      ], log: fixture.directory.appendingPathComponent("worker.log").path, directory: project)
    defer { worker.kill9() }
    var status: [String: Any] = [:]
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      status = try await CommandRunner.offPool { try fixture.status(id, serve) }
      if status["state"] as? String == "paused" { break }
      try await Task.sleep(for: .milliseconds(200))
    }
    #expect(status["state"] as? String == "paused", "\(status)\n\(worker.log.suffix(2000))")
    let reason = status["paused_reason"] as? String ?? ""
    #expect(reason.hasPrefix("every attempt so far failed: exit 2, \""), "\(reason)")
    #expect(reason.contains("can't open file") && reason.contains("train_lora.py"), "\(reason)")
    #expect(reason.contains("5 in a row"), "\(reason)")
    // it stopped there: 5 attempts, not 8 trials × 3
    let failedAttempts = try await CommandRunner.offPool { try fixture.results(id, serve) }.count
    #expect(failedAttempts <= 5, "\(failedAttempts)")
    let text = try await CommandRunner.offPool { try CommandRunner.run("sweep", ["status", id] + admin) }.stdout
    #expect(text.contains("paused: every attempt so far failed") && text.contains("sweep resume \(id)"), "\(text)")
    #expect(text.contains("most failures ("), "\(text)")
    let table = try await CommandRunner.offPool {
      try CommandRunner.run("sweep", ["results", id, "--format", "table"] + admin)
    }.stdout
    #expect(table.contains("exit_code") && table.contains("can't open file"), "\(table)")

    // the fix: the script now exists; resume, and every trial completes (the ones that failed on
    // the missing script get their attempts back)
    try """
    import json, sys
    rank = int(sys.argv[sys.argv.index("--rank") + 1])
    print(json.dumps({"accuracy": 0.5 + rank / 100}))
    """.write(toFile: project + "/train_lora.py", atomically: true, encoding: .utf8)
    let resumed = try await CommandRunner.offPool { try CommandRunner.run("sweep", ["resume", id] + admin) }
    #expect(resumed.status == 0 && resumed.stdout.contains("running"), "\(resumed.stderr)")
    let finishBy = Date().addingTimeInterval(90)
    var counts: [String: Int] = [:]
    while Date() < finishBy {
      counts = try await CommandRunner.offPool { try fixture.counts(id, serve) }
      if (counts["succeeded"] ?? 0) + (counts["failed"] ?? 0) == 8 { break }
      try await Task.sleep(for: .milliseconds(200))
    }
    #expect(counts["succeeded"] == 8 && counts["failed"] == 0, "\(counts)\n\(worker.log.suffix(2000))")
    #expect(try await CommandRunner.offPool { try fixture.status(id, serve) }["state"] as? String == "completed")
  }
}
