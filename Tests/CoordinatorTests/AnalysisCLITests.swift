import Foundation
import TestSupport
import Testing

/// `sweep predict` and `sweep analyze` on an exported results.jsonl, through the real binary.
@Suite struct AnalysisCLITests {
  static let spec = """
    name: offline
    domains: [a]
    sampler: lhs
    trials_per_domain: 12
    space:
      rank: [1, 2, 4, 8, 16]
      wd: {log_uniform: [1.0e-5, 1.0e-2]}
    command: [train, "{rank}", "{wd}"]
    """

  /// A results.jsonl where accuracy rises with rank: every field a real export has.
  static func results() -> String {
    let ranks = [1, 2, 4, 8, 16, 1, 2, 4, 8, 16, 4, 8]
    return ranks.enumerated().map { index, rank in
      let wd = 1e-5 * pow(1000, Double(index) / 11)
      let accuracy = 0.6 + 0.01 * Double(rank) + 0.002 * Double(index % 3)
      return """
        {"domain":"a","rank":\(rank),"wd":\(wd),"accuracy":\(accuracy),"cost":0,"timestamp":null,"sweep":"sw-x","trial_id":"t\(index)","status":"succeeded","attempt":1,"duration_s":60,"worker":"w","provider":"local","hourly_cost_usd":0,"started_at":null,"finished_at":null,"stage":null,"origin":"sampled"}
        """
    }.joined(separator: "\n") + "\n"
  }

  func files() throws -> (spec: String, results: String, cleanUp: () -> Void) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("analysis-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let spec = directory.appendingPathComponent("spec.yaml").path
    let results = directory.appendingPathComponent("results.jsonl").path
    try Self.spec.write(toFile: spec, atomically: true, encoding: .utf8)
    try Self.results().write(toFile: results, atomically: true, encoding: .utf8)
    return (spec, results, { try? FileManager.default.removeItem(at: directory) })
  }

  @Test func analyzeAndPredictReadAnExportWithItsSpec() throws {
    let (spec, results, cleanUp) = try files()
    defer { cleanUp() }
    let analysis = try CommandRunner.run("sweep", ["analyze", "--results", results, "--spec", spec])
    #expect(analysis.status == 0, "\(analysis.stderr)")
    #expect(analysis.stdout.contains("a: 12 trials"))
    #expect(analysis.stdout.contains("best   rank=16"), "\(analysis.stdout)")
    #expect(analysis.stdout.contains("test: parametric bootstrap"))
    // Accuracy follows rank, so rank explains most of the variance.
    let importance = analysis.stdoutLines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("rank") }
    #expect(
      importance.map { Double($0.split(separator: " ").last?.dropLast() ?? "0") ?? 0 > 50 } == true,
      "\(analysis.stdout)")

    let validation = try CommandRunner.run("sweep", ["predict", "--results", results, "--spec", spec])
    #expect(validation.status == 0, "\(validation.stderr)")
    #expect(validation.stdoutLines.count == 2 && validation.stdoutLines[1].hasPrefix("a "), "\(validation.stdout)")

    let one = try CommandRunner.run(
      "sweep", ["predict", "--results", results, "--spec", spec, "--config", "rank=16,wd=1e-4"])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout.contains("a: predicted accuracy"))
  }

  @Test func badInputExits2AndSaysWhatWasExpected() throws {
    let (spec, results, cleanUp) = try files()
    defer { cleanUp() }
    let noSpec = try CommandRunner.run("sweep", ["analyze", "--results", results])
    #expect(noSpec.status == 2 && noSpec.stderr.contains("--results needs --spec"), "\(noSpec.stderr)")
    let domain = try CommandRunner.run("sweep", ["analyze", "--results", results, "--spec", spec, "--domain", "zz"])
    #expect(domain.status == 2 && domain.stderr.contains("'zz' is not a domain of the sweep (a)"), "\(domain.stderr)")
    let missing = try CommandRunner.run(
      "sweep", ["predict", "--results", results, "--spec", spec, "--config", "rank=16"])
    #expect(missing.status == 2 && missing.stderr.contains("missing wd"), "\(missing.stderr)")
    let unknown = try CommandRunner.run(
      "sweep", ["predict", "--results", results, "--spec", spec, "--config", "rnak=16"])
    #expect(unknown.status == 2 && unknown.stderr.contains("'rnak' is not a parameter"), "\(unknown.stderr)")
    try "{\"domain\": \"a\"}\nnot json\n".write(toFile: results, atomically: true, encoding: .utf8)
    let broken = try CommandRunner.run("sweep", ["analyze", "--results", results, "--spec", spec])
    #expect(
      broken.status == 2 && broken.stderr.contains("results.jsonl:1: expected domain and every parameter"), "\(broken.stderr)")
  }
}
