import Foundation
import TestSupport
import Testing

/// A two-stage sweep with transfer, trained by the reference trainer through a real
/// `sweep serve` and real `sweep-worker` processes.
@Suite(.serialized) struct StrategyEndToEndTests {
  static let spec = """
    name: strategies
    domains: [financial, legal]
    seed: 11
    sampler: lhs
    trials_per_domain: 4
    max_attempts: 2
    estimate: {minutes_per_trial: 0.05}
    stages: [{name: screen, epochs: 1}, {name: final, epochs: 2, top_k: 1}]
    transfer: {from: financial, top_k: 2}
    space:
      rank: [1, 2, 4, 8]
      alpha: [4, 8, 16, 32]
      weight_decay: {log_uniform: [1.0e-5, 1.0e-2]}
      epochs: 2
    command: [sweep-worker, reference-train, --domain, "{domain}", --rank, "{rank}", --alpha, "{alpha}",
              --weight-decay, "{weight_decay}", --epochs, "{epochs}", --seed, "3"]
    """

  @Test func aTwoStageSweepWithTransferRunsTheSourcesBestInTheTargetThenTheFinalStage() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(Self.spec, to: serve)
    // The target waits for its source before anything of its own runs.
    let held = try fixture.counts(id, serve)
    #expect(held["waiting"] == 2 && held["pending"] == 4, "\(held)")

    let worker = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    #expect(worker.wait(120) == 0, "\(worker.log)")
    #expect(try fixture.status(id, serve)["state"] as? String == "completed")
    let results = try fixture.results(id, serve)
    // financial: 4 screened + 1 final; legal: 2 transferred + 2 of its own + 1 final.
    #expect(results.count == 10, "\(results.map { ($0["domain"], $0["stage"], $0["origin"]) })")
    #expect(results.allSatisfy { $0["status"] as? String == "succeeded" })

    func records(_ domain: String, _ stage: String, _ origin: String? = nil) -> [[String: Any]] {
      results.filter {
        $0["domain"] as? String == domain && $0["stage"] as? String == stage
          && (origin == nil || $0["origin"] as? String == origin)
      }
    }
    func config(_ record: [String: Any]) -> [String] {
      ["rank", "alpha", "weight_decay"].map { "\(record[$0] ?? "")" }
    }
    func accuracy(_ record: [String: Any]) -> Double { record["accuracy"] as? Double ?? -1 }

    let sourceScreen = records("financial", "screen")
    #expect(sourceScreen.count == 4)
    #expect(sourceScreen.allSatisfy { $0["epochs"] as? Int == 1 })
    // The transferred configurations are the source's two best screen results.
    let sourceBest = sourceScreen.sorted { accuracy($0) > accuracy($1) }.prefix(2).map(config)
    let transferred = records("legal", "screen", "transferred")
    #expect(Set(transferred.map(config)) == Set(sourceBest))
    #expect(records("legal", "screen", "sampled").count == 2)
    // Nothing of the target started before the source's screen had finished.
    let sourceDone = sourceScreen.compactMap { $0["finished_at"] as? String }.max() ?? ""
    let targetStarts = (records("legal", "screen")).compactMap { $0["started_at"] as? String }
    #expect(targetStarts.allSatisfy { $0 >= sourceDone }, "\(targetStarts) vs \(sourceDone)")
    // Each domain's final stage re-trains its best screen configuration for the final epochs.
    for domain in ["financial", "legal"] {
      let final = records(domain, "final", "promoted")
      #expect(final.count == 1)
      let best = records(domain, "screen").max { accuracy($0) < accuracy($1) }
      #expect(final.first.map(config) == best.map(config))
      #expect(final.first?["epochs"] as? Int == 2)
    }

    let report = try CommandRunner.run(
      "sweep", ["results", id, "--transfer-report", "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout.contains("transfer from financial") && report.stdout.contains("legal: "), "\(report.stdout)")
    #expect(report.stdout.contains("of 2 transferred in its own top 2"), "\(report.stdout)")
    // Whether the transfer held, against legal's own screening best (no margin set: any shortfall).
    let verdict = report.stdoutLines.first {
      $0.contains("transfer held: transferred best") || $0.contains("transfer did not hold: transferred best")
    }
    #expect(verdict?.contains("vs its own screening best") == true, "\(report.stdout)")

    let analysis = try CommandRunner.run(
      "sweep", ["analyze", id, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(analysis.status == 0, "\(analysis.stderr)")
    #expect(analysis.stdout.contains("financial: 4 trials") && analysis.stdout.contains("95% interval"))
    #expect(analysis.stdout.contains("importance") && analysis.stdout.contains("caution"))

    let prediction = try CommandRunner.run(
      "sweep",
      [
        "predict", id, "--domain", "legal", "--config", "rank=4,alpha=16,weight_decay=1e-3", "--coordinator", serve.url,
        "--token", serve.adminToken,
      ])
    #expect(prediction.status == 0, "\(prediction.stderr)")
    #expect(prediction.stdout.contains("legal: predicted accuracy"), "\(prediction.stdout)")
  }
}
