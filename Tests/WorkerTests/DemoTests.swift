import Foundation
import TestSupport
import Testing

@testable import SweepCLI

@Suite struct DemoTests {
  @Test func theBuiltInDemoSpecIsExamplesDemoYaml() throws {
    let file = try String(contentsOfFile: CommandRunner.example("demo.yaml"), encoding: .utf8)
    #expect(DemoSpec.yaml == file)
    let result = try CommandRunner.run("sweep", ["validate", "--json", CommandRunner.example("demo.yaml")])
    #expect(result.status == 0)
  }

  @Test func sweepDemoRunsABudgetedSweepEndToEnd() throws {
    let keep = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: keep) }
    let result = try CommandRunner.run("sweep", ["demo", "--keep", keep, "--spec", CommandRunner.example("demo.yaml")])
    #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    #expect(result.stdout.contains("leaderboard — financial"))
    #expect(result.stdout.contains("leaderboard — legal"))
    #expect(result.stdout.contains("sweep completed"))
    #expect(result.stdout.contains("48 succeeded"))
    #expect(result.stdout.contains("≤ budget $0.0012: yes"))
    #expect(result.stdout.contains("gpu-sim   $0.40/h (simulated)"))
    let lines = try String(contentsOfFile: keep + "/results.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 48)
    // The paid worker uses the budget up — its last leases shrink to what is left — until what is
    // left cannot pay one more trial. (That is over 90% of it when a trial costs under a tenth of
    // the budget, as on an unloaded machine: 91.7–99.2% measured; a loaded test machine slows the
    // trials, so the test checks the rule rather than the percentage.)
    let paidCosts = lines.compactMap { line -> Double? in
      guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        record["worker"] as? String == "gpu-sim"
      else { return nil }
      return record["cost"] as? Double
    }
    #expect(!paidCosts.isEmpty)
    let used = result.stdout.firstMatch(of: /\((\d+)\.(\d)% of it used\)/).map { Int($0.1)! * 10 + Int($0.2)! }
    // All the money: the paid box's trials and its idle time (its whole life is on the bill).
    let spent = try #require(
      result.stdout.firstMatch(of: /total spent \$([0-9.]+) ≤/).flatMap { Double($0.1) }, "\(result.stdout)")
    let mean = paidCosts.reduce(0, +) / Double(paidCosts.count)
    let worker = (try? String(contentsOfFile: keep + "/gpu-sim.log", encoding: .utf8)) ?? ""
    // When the budget stopped the box (it left after its last lease, or was told its idle time
    // could not be paid), what is left cannot pay one more trial.
    if worker.contains("no work: idle_not_covered") || worker.contains("no work: budget_exhausted") {
      #expect(
        0.0012 - spent < 1.5 * mean, "left \(0.0012 - spent) of $0.0012; a paid trial costs \(mean)\n\(result.stdout)")
    }
    #expect(result.stdout.contains(" idle = $"), "the paid worker's whole bill is shown\n\(result.stdout)")
    print(
      "demo: the paid worker ran \(paidCosts.count) trials and used \(used.map { "\($0 / 10).\($0 % 10)%" } ?? "?") of the budget"
    )
    #expect(FileManager.default.fileExists(atPath: keep + "/sweep.db"))
    #expect(FileManager.default.fileExists(atPath: keep + "/laptop.log"))
  }
}
