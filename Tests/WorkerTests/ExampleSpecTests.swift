import Foundation
import TestSupport
import Testing

/// Every spec in examples/ runs as written: it validates, and its first trial succeeds through a
/// real coordinator and a real worker started where the spec's command expects (examples/peft
/// holds the train_lora.py the `python train_lora.py` specs name).
@Suite(.serialized, .timeLimit(.minutes(15)))
struct ExampleSpecTests {
  static let sweepSpecs = [
    "demo.yaml", "strategies.yaml", "financial-legal.yaml", "financial-legal.json", "twelve-domains-lhs.yaml",
    "twelve-domains-grid.yaml", "peft/sweep.yaml", "peft/study.yaml",
  ]

  @Test func everyExampleValidates() async throws {
    let listed = try FileManager.default.subpathsOfDirectory(atPath: CommandRunner.example(""))
      .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.filter { !$0.hasPrefix("fleet") }.sorted()  // fleet files: PlanCLITests
    #expect(listed == Self.sweepSpecs.sorted(), "a new example needs a place in this test")
    for name in Self.sweepSpecs {
      let result = try await CommandRunner.offPool {
        try CommandRunner.run("sweep", ["validate", CommandRunner.example(name)])
      }
      #expect(result.status == 0, "\(name): \(result.stderr)")
    }
  }

  @Test func theFirstTrialOfEveryExampleSucceedsThroughARealWorker() async throws {
    var environment = try await CommandRunner.offPool { try PythonEnvironment.environment() }
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    environment["LORASWEEP_EXAMPLE_CACHE"] = fixture.directory.appendingPathComponent("peft-cache").path
    // short leases: a cancelled sweep's running trial stops within a heartbeat (2 s)
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "6"])
    defer { serve.cleanUp() }
    let worker = try WorkerProcess(
      arguments: [
        "--coordinator", serve.url, "--token", serve.workerToken, "--name", "laptop", "--laptop", "off", "--spool",
        fixture.directory.appendingPathComponent("spool").path,
      ], log: fixture.directory.appendingPathComponent("worker.log").path, environment: environment,
      directory: CommandRunner.example("peft"))
    defer { worker.kill9() }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    for name in Self.sweepSpecs {
      let submitted = try await CommandRunner.offPool {
        try CommandRunner.run("sweep", ["submit", CommandRunner.example(name)] + admin)
      }
      #expect(submitted.status == 0, "\(name): \(submitted.stderr)")
      let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      var counts: [String: Int] = [:]
      let deadline = Date().addingTimeInterval(180)
      while Date() < deadline {
        counts = try await CommandRunner.offPool { try fixture.counts(id, serve) }
        if (counts["succeeded"] ?? 0) >= 1 || (counts["failed"] ?? 0) >= 1 { break }
        try await Task.sleep(for: .milliseconds(250))
      }
      #expect(
        counts["succeeded"] ?? 0 >= 1 && counts["failed"] ?? 0 == 0, "\(name): \(counts)\n\(worker.log.suffix(3000))")
      let rows = try await CommandRunner.offPool { try fixture.results(id, serve) }
      #expect(rows.contains { $0["status"] as? String == "succeeded" && $0["accuracy"] is Double }, "\(name): \(rows)")
      // this example has shown it runs; the next one gets the worker
      let cancelled = try await CommandRunner.offPool { try CommandRunner.run("sweep", ["cancel", id] + admin) }
      #expect(cancelled.status == 0, "\(cancelled.stderr)")
    }
    #expect(worker.isRunning, "\(worker.log.suffix(3000))")
  }
}
