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
    #expect(result.stdout.contains("32 succeeded"))
    #expect(result.stdout.contains("≤ budget $0.001: yes"))
    #expect(result.stdout.contains("gpu-sim   $0.40/h (simulated)"))
    // The paid worker uses the budget up: its last leases shrink to what is left.
    let used = result.stdout.firstMatch(of: /\((\d+)\.(\d)% of it used\)/).map { Int($0.1)! * 10 + Int($0.2)! }
    #expect((used ?? 0) >= 900, "\(result.stdout)")
    let lines = try String(contentsOfFile: keep + "/results.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 32)
    #expect(FileManager.default.fileExists(atPath: keep + "/sweep.db"))
    #expect(FileManager.default.fileExists(atPath: keep + "/laptop.log"))
  }
}
