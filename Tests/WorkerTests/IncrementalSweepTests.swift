import Foundation
import TestSupport
import Testing

/// The study's incremental path through the real binaries: a small sweep, `sweep extend`, the
/// surrogate checked on the extension it never saw, and on a hold-out. Trials are a one-line awk
/// program whose accuracy is a smooth function of rank and weight decay, so they take
/// milliseconds and the surrogate has something real to learn. (`{{ }}` are literal braces.)
@Suite(.serialized, .timeLimit(.minutes(4)))
struct IncrementalSweepTests {
  static let spec = """
    name: incremental
    domains: [financial, legal]
    seed: 3
    sampler: lhs
    trials_per_domain: 12
    estimate: {minutes_per_trial: 0.05}
    artifacts: none
    space:
      rank: {int: [4, 64], log: true}
      weight_decay: {log_uniform: [1.0e-6, 1.0e-2]}
    command: [awk, 'BEGIN {{ r = ARGV[1]; w = ARGV[2]; printf "{{\\"accuracy\\": %.6f}}\\n", 0.6 + 0.03 * log(r) - 0.01 * (log(w) / log(10) + 4) ^ 2 }}', "{rank}", "{weight_decay}"]
    """

  @Test func aSweepExtendedAfterItsFirstResultsIsPredictedOnTheTrialsTheExtensionAdded() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    let id = try fixture.submit(Self.spec, to: serve)
    let first = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done", "--laptop", "off"])
    #expect(first.wait(120) == 0, "\(first.log)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 24)

    let extend = try CommandRunner.run("sweep", ["extend", id, "--trials", "6", "--id", "more"] + admin)
    #expect(extend.status == 0, "\(extend.stderr)")
    #expect(extend.stdout.contains("extension more added 12 trials"), "\(extend.stdout)")
    let again = try CommandRunner.run("sweep", ["extend", id, "--trials", "6", "--id", "more"] + admin)
    #expect(again.stdout.contains("was already applied"), "\(again.stdout)")
    #expect(try fixture.status(id, serve)["state"] as? String == "running")

    let second = try fixture.worker(serve, name: "laptop2", extra: ["--exit-when-done", "--laptop", "off"])
    #expect(second.wait(120) == 0, "\(second.log)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 36)
    #expect(try fixture.status(id, serve)["state"] as? String == "completed")

    // Fitted on the first 12 of each domain, predicting the 6 the extension added.
    let table = fixture.directory.appendingPathComponent("predicted.csv").path
    let predicted = try CommandRunner.run(
      "sweep", ["predict", id, "--extension", "more", "--csv", table] + admin)
    #expect(predicted.status == 0, "\(predicted.stderr)")
    for domain in ["financial", "legal"] {
      let summary = predicted.stdoutLines.first { $0.hasPrefix("\(domain): 6 held out, fitted on 12") }
      #expect(summary?.contains("interval coverage") == true, "\(predicted.stdout)")
    }
    let rows = try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "domain,trial_id,predicted,lower,upper,actual,inside")
    #expect(rows.count == 13)
    // The function is smooth: the surrogate fitted on 12 points predicts within a few points.
    let errors = rows.dropFirst().map { row -> Double in
      let fields = row.split(separator: ",")
      return abs((Double(fields[2]) ?? 0) - (Double(fields[5]) ?? 1))
    }
    #expect(errors.reduce(0, +) / Double(errors.count) < 0.01, "\(errors)")

    let holdout = try CommandRunner.run("sweep", ["predict", id, "--holdout", "0.3"] + admin)
    #expect(holdout.status == 0, "\(holdout.stderr)")
    #expect(holdout.stdoutLines.contains { $0.hasPrefix("legal: 5 held out, fitted on 13") }, "\(holdout.stdout)")
    let unknown = try CommandRunner.run("sweep", ["predict", id, "--extension", "nope"] + admin)
    #expect(unknown.status == 2 && unknown.stderr.contains("(it has more)"), "\(unknown.stderr)")
  }

  /// Three runs of each configuration; the trial adds seed-dependent noise and checks that the
  /// `{seed}` argument and `SWEEP_SEED` agree (a mismatch reports no objective, failing the trial).
  static let replicated = """
    name: replicated
    domains: [financial, legal]
    seed: 5
    sampler: lhs
    trials_per_domain: 5
    replicates: 3
    estimate: {minutes_per_trial: 0.05}
    artifacts: none
    space:
      rank: [4, 8, 16, 32, 64]
    command: [awk, 'BEGIN {{ r = ARGV[1]; s = ARGV[2]; if (s != ENVIRON["SWEEP_SEED"]) exit 3; d = ARGV[3] == "legal" ? -1 : 1; printf "{{\\"accuracy\\": %.6f}}\\n", 0.6 + d * 0.02 * log(r) + ((s * r) % 997) / 200000 }}', "{rank}", "{seed}", "{domain}"]
    """

  @Test func replicatesGiveEachConfigurationSeveralRunsAndAnalyzeTestsThem() throws {
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    let id = try fixture.submit(Self.replicated, to: serve)
    let worker = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done", "--laptop", "off"])
    #expect(worker.wait(120) == 0, "\(worker.log)")
    let counts = try fixture.counts(id, serve)
    #expect(counts["succeeded"] == 30, "\(counts)")
    let rows = try fixture.results(id, serve)
    #expect(Set(rows.compactMap { $0["replicate"] as? Int }) == [0, 1, 2])
    #expect(Set(rows.compactMap { $0["seed"] as? Int }).count == 3)

    let analysis = try CommandRunner.run("sweep", ["analyze", id] + admin)
    #expect(analysis.status == 0, "\(analysis.stderr)")
    // Accuracy rises with rank in financial and falls with it in legal.
    #expect(analysis.stdout.contains("financial: 5 configurations, 15 runs (statistics from the replicates)"))
    #expect(analysis.stdoutLines.contains { $0.hasPrefix("  best   rank=64") }, "\(analysis.stdout)")
    #expect(analysis.stdoutLines.contains { $0.hasPrefix("  best   rank=4 ") }, "\(analysis.stdout)")
    #expect(analysis.stdout.contains("Holm-adjusted"))
    #expect(analysis.stdout.contains("the best configuration depends on the domain"), "\(analysis.stdout)")
  }

  @Test func onlyTheFinalistsAreReplicatedWhenTheFinalStageAsksForIt() throws {
    let spec =
      Self.replicated.replacingOccurrences(of: "replicates: 3\n", with: "")
      .replacingOccurrences(of: "name: replicated", with: "name: finalists")
      + "\nstages: [{name: screen}, {name: final, top_k: 2, replicates: 3}]\n"
    let fixture = try WorkerFixture()
    let serve = try ServeProcess()
    defer {
      serve.cleanUp()
      fixture.cleanUp()
    }
    let id = try fixture.submit(spec, to: serve)
    let worker = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done", "--laptop", "off"])
    #expect(worker.wait(120) == 0, "\(worker.log)")
    let rows = try fixture.results(id, serve)
    // Per domain: 5 screened once, then the best 2 three times each.
    #expect(rows.count == 2 * (5 + 2 * 3), "\(rows.count)")
    let final = rows.filter { $0["stage"] as? String == "final" }
    #expect(final.count == 12 && Set(final.compactMap { $0["replicate"] as? Int }) == [0, 1, 2])
    // The screen ran each configuration once: replicate 0, on the seed replicate 0 has everywhere.
    #expect(rows.filter { $0["stage"] as? String == "screen" }.allSatisfy { $0["replicate"] as? Int == 0 })
    let analysis = try CommandRunner.run(
      "sweep", ["analyze", id, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(analysis.status == 0, "\(analysis.stderr)")
    #expect(
      analysis.stdout.contains("financial: 2 configurations, 6 runs, stage final (statistics from the replicates)"),
      "\(analysis.stdout)")
  }
}
