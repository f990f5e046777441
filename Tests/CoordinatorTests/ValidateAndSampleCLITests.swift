import Foundation
import TestSupport
import Testing

/// `sweep validate` and `sweep sample` through the real binary: output, exit codes, stderr.
@Suite struct ValidateAndSampleCLITests {
  @Test func validateSummarisesTheStudysMinimalValidation() throws {
    let result = try CommandRunner.run(
      "sweep", ["validate", CommandRunner.example("financial-legal.yaml"), "--hourly-cost", "0.30"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("valid sweep 'financial-legal'"))
    #expect(result.stdout.contains("financial (15), legal (15)"))
    #expect(result.stdout.contains("30 in 30 shards"))
    #expect(result.stdout.contains("12.5 compute hours at 25 min per trial"))
    #expect(result.stdout.contains("$3.75 at $0.30/h"))
  }

  @Test func validateJsonHasTheDocumentedFields() throws {
    let result = try CommandRunner.run(
      "sweep", ["validate", "--json", CommandRunner.example("twelve-domains-grid.yaml")])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdoutLines.count == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["name"] as? String == "twelve-domains-grid")
    #expect((object["domains"] as? [String])?.count == 12)
    #expect((object["trials_per_domain"] as? [String: Int])?["legal"] == 150)
    #expect(object["total_trials"] as? Int == 1800)
    #expect(object["shards"] as? Int == 360)
    #expect(object["estimate_hours"] as? Double == 750)
  }

  @Test func validateAcceptsJsonSpecsAndStdin() throws {
    let json = try CommandRunner.run("sweep", ["validate", "--json", CommandRunner.example("financial-legal.json")])
    #expect(json.status == 0, "\(json.stderr)")
    let text = try String(contentsOfFile: CommandRunner.example("financial-legal.yaml"), encoding: .utf8)
    let stdin = try CommandRunner.run("sweep", ["validate", "-"], stdin: text)
    #expect(stdin.status == 0, "\(stdin.stderr)")
    #expect(stdin.stdout.hasPrefix("-: valid sweep"))
  }

  @Test func anInvalidSpecGetsEveryErrorWithPositionsAndExit2() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("bad.yaml")
    try """
    name: bad
    budget_usd: -3
    domains: [a, a]
    sampler: lhs
    trials_per_domain: 4
    sed: 4
    space:
      rank: {int: [64, 4]}
    command: [run, "{rank}"]
    """.write(to: file, atomically: true, encoding: .utf8)
    let result = try CommandRunner.run("sweep", ["validate", file.path])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderrLines == [
        "\(file.path):2:13: budget_usd: '-3' is negative; expected an amount ≥ 0",
        "\(file.path):3:14: domains[1]: duplicate domain 'a' (first at line 3); list each domain once",
        "\(file.path):6:1: sed: unknown key 'sed'; did you mean 'seed'?",
        "\(file.path):8:15: space.rank.int: lo (64) is greater than hi (4); expected [lo, hi] with lo < hi",
      ])
  }

  @Test(arguments: [
    (["validate", "no-such-file.yaml"], "no-such-file.yaml: no such file"),
    (["validate", "examples"], "examples: is a directory"),
    (["validate", "--bogus", "x"], "Unknown option '--bogus'"),
    (["validate"], "Missing expected argument"),
    (
      ["validate", "examples/financial-legal.yaml", "--hourly-cost", "cheap"],
      "--hourly-cost: 'cheap' is not a decimal amount"
    ),
    (["sample", "examples/financial-legal.yaml", "--domain", "medical"], "--domain: no domain 'medical'"),
  ])
  func badInputExits2WithAMessage(arguments: [String], fragment: String) throws {
    let result = try CommandRunner.run("sweep", arguments)
    #expect(result.status == 2)
    #expect(result.stderr.contains(fragment), "\(result.stderr)")
  }

  @Test func sampleStreamsOneJsonObjectPerTrialDeterministically() throws {
    let path = CommandRunner.example("financial-legal.yaml")
    let first = try CommandRunner.run("sweep", ["sample", path])
    let second = try CommandRunner.run("sweep", ["sample", path])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == second.stdout)
    #expect(first.stdoutLines.count == 30)
    for line in first.stdoutLines {
      #expect(line.hasPrefix("{\"domain\":"))
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let params = try #require(object["params"] as? [String: Any])
      let argv = try #require(object["argv"] as? [String])
      let rank = try #require(params["rank"] as? Int)
      #expect((4...64).contains(rank))
      #expect(params["epochs"] as? Int == 3)
      #expect(argv[argv.firstIndex(of: "--rank")! + 1] == String(rank))
      #expect(argv.last == "{output_dir}")  // filled in by the worker that runs the trial
    }
    let legal = try CommandRunner.run("sweep", ["sample", path, "--domain", "legal"])
    #expect(legal.stdoutLines.count == 15)
    #expect(legal.stdoutLines.allSatisfy { $0.hasPrefix("{\"domain\":\"legal\"") })
    #expect(Set(legal.stdoutLines).isSubset(of: Set(first.stdoutLines)))
  }

  @Test func helpExitsZero() throws {
    let result = try CommandRunner.run("sweep", ["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("validate"))
    #expect(result.stdout.contains("sample"))
  }
}
