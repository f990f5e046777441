import Foundation
import TestSupport
import Testing

/// The product with the training stack its users have: PyTorch + transformers + PEFT. A real
/// `sweep serve`, two real `sweep-worker`s (one free, one paid) running `examples/peft/train_lora.py`
/// in its folder, the best adapters brought home with `sweep artifacts` and loaded back with PEFT.
/// The virtualenv comes from `.ci/python-env`; if it cannot be made, this fails (never skips).
@Suite(.serialized, .timeLimit(.minutes(15)))
struct PEFTSweepTests {
  static let exampleFolder = CommandRunner.repositoryRoot.appendingPathComponent("examples/peft").path

  /// The example's command over a grid of ranks (other settings fixed), so that the effect of
  /// rank shows in 3 trials per domain.
  static let spec = """
    name: peft-ci
    budget_usd: 1.00
    objective: {metric: accuracy, goal: maximize}
    domains: [financial, legal]
    sampler: grid
    shard_size: 1
    max_attempts: 1
    trial_timeout: 10m
    estimate: {minutes_per_trial: 0.5}
    space:
      rank:          {values: [1, 4, 16]}
      alpha:         {value: 32}
      weight_decay:  {value: 0.01}
      learning_rate: {value: 0.003}
      epochs:        {value: 3}
    artifacts: {keep: best, top_k: 1}
    command: [python, train_lora.py, --domain, "{domain}", --rank, "{rank}", --alpha, "{alpha}",
              --weight-decay, "{weight_decay}", --learning-rate, "{learning_rate}", --epochs, "{epochs}",
              --output, "{output_dir}"]
    """

  @Test func aRealPEFTSweepOnAFreeAndAPaidWorkerBringsHomeAdaptersThatReproduceTheirAccuracy() async throws {
    var environment = try await CommandRunner.offPool { try PythonEnvironment.environment() }
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let cache = fixture.directory.appendingPathComponent("peft-cache").path
    environment["LORASWEEP_EXAMPLE_CACHE"] = cache
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let id = try await CommandRunner.offPool { try fixture.submit(Self.spec, to: serve) }
    var workers: [WorkerProcess] = []
    for (name, rate) in [("laptop", "0"), ("gpu-1", "0.50")] {
      workers.append(
        try WorkerProcess(
          arguments: [
            "--coordinator", serve.url, "--token", serve.workerToken, "--name", name, "--hourly-cost", rate,
            "--provider", rate == "0" ? "local" : "runpod", "--spool",
            fixture.directory.appendingPathComponent("spool-\(name)").path, "--exit-when-done", "--laptop", "off",
          ], log: fixture.directory.appendingPathComponent("\(name).log").path, environment: environment,
          directory: Self.exampleFolder))
    }
    for worker in workers {
      let status = await worker.exit(within: 600)
      #expect(status == 0, "\(worker.log.suffix(4000))")
      if status == nil { worker.kill9() }
    }
    let counts = try await CommandRunner.offPool { try fixture.counts(id, serve) }
    #expect(counts["succeeded"] == 6, "\(counts)\n\(workers.map { $0.log.suffix(3000) }.joined(separator: "\n"))")
    let rows = try await CommandRunner.offPool { try fixture.results(id, serve) }
    #expect(Set(rows.compactMap { $0["worker"] as? String }) == ["laptop", "gpu-1"], "both workers took trials")
    // accuracy responds to rank: in each domain, rank 16 beats rank 1
    for domain in ["financial", "legal"] {
      let byRank = Dictionary(
        rows.filter { $0["domain"] as? String == domain }.compactMap { row -> (Int, Double)? in
          guard let rank = row["rank"] as? Int, let accuracy = row["accuracy"] as? Double else { return nil }
          return (rank, accuracy)
        }, uniquingKeysWith: { a, _ in a })
      #expect(byRank.count == 3, "\(domain): \(byRank)")
      print(
        "peft sweep: \(domain) accuracy by rank \(byRank.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })")
      #expect((byRank[16] ?? 0) > (byRank[1] ?? 1), "\(domain): accuracy by rank \(byRank)")
    }
    // the best adapter of each domain comes home and gives the same accuracy when loaded back
    let downloads = fixture.directory.appendingPathComponent("adapters").path
    let fetched = try await CommandRunner.offPool {
      try CommandRunner.run(
        "sweep",
        ["artifacts", id, "--best", "1", "-o", downloads, "--coordinator", serve.url, "--token", serve.adminToken])
    }
    #expect(fetched.status == 0, "\(fetched.stderr)")
    for domain in ["financial", "legal"] {
      let best = try #require(
        rows.filter { $0["domain"] as? String == domain }.max {
          ($0["accuracy"] as? Double ?? 0) < ($1["accuracy"] as? Double ?? 0)
        })
      let trialID = try #require(best["trial_id"] as? String)
      let adapter = "\(downloads)/\(domain)/\(trialID)/adapter"
      #expect(FileManager.default.fileExists(atPath: adapter + "/adapter_model.safetensors"), "\(fetched.stdout)")
      let fixed = environment
      let check = try await CommandRunner.offPool {
        try Self.python(
          ["train_lora.py", "--check", adapter, "--domain", domain, "--cache", cache], environment: fixed)
      }
      #expect(check.status == 0, "\(check.stderr.suffix(2000))")
      let reproduced = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Double]
      let reported = try #require(best["accuracy"] as? Double)
      #expect(abs((reproduced?["accuracy"] ?? -1) - reported) < 1e-9, "reported \(reported), reloaded \(check.stdout)")
    }
  }

  /// Runs the venv's python in the example's folder.
  static func python(_ arguments: [String], environment: [String: String]) throws -> CommandRunner.Result {
    try CommandRunner.run(
      executable: try PythonEnvironment.python(), arguments, directory: exampleFolder, environment: environment)
  }
}
