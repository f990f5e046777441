import Foundation
import TestSupport
import Testing

/// `sweep plan` answers the study's question: the laptop, rented GPUs, an API and a subscription,
/// side by side, with the whole bill of each.
@Suite struct PlanCLITests {
  @Test func planComparesLocalHourlyAPIAndSubscriptionOptions() throws {
    let result = try CommandRunner.run(
      "sweep",
      [
        "plan", CommandRunner.example("twelve-domains-lhs.yaml"), "--fleet",
        CommandRunner.example("fleet-options.yaml"),
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let rows = Dictionary(
      result.stdoutLines.compactMap { line -> (String, [String])? in
        let cells = line.split(separator: "  ", omittingEmptySubsequences: true).map {
          $0.trimmingCharacters(in: .whitespaces)
        }
        return cells.count >= 9 ? (cells[0], cells) : nil
      }, uniquingKeysWith: { first, _ in first })
    let laptop = try #require(rows["1 × macbook-air-m2"], "\(result.stdout)")
    #expect(laptop[1] == "local" && laptop[4] == "$0.00")
    let gpus = try #require(rows["4 × rtx3090"])
    #expect(gpus[1] == "hourly" && gpus[7] == "600/600")
    // The study's figures: 600 jobs × 1M tokens × $0.008/1K = $4,800, 20 at a time, 20 min each.
    let api = try #require(rows["openai-fine-tuning"])
    #expect(api[1] == "API" && api[2] == "10h 00m" && api[4] == "$4800.00" && api[7] == "5/600")
    // Colab Pro: 600 × 25 min ÷ 2.5 = 100 h, inside one month's $10.
    let colab = try #require(rows["1 × colab-pro-t4"])
    #expect(colab[1] == "subscription/month" && colab[2] == "100h 00m" && colab[4] == "$10.00")
    #expect(result.stdout.contains("computed, not simulated"))
  }

  @Test func everyFleetFileInExamplesReadsAndPlans() throws {
    let folder = CommandRunner.repositoryRoot.appendingPathComponent("examples").path
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasPrefix("fleet") && $0.hasSuffix(".yaml")
    }
    #expect(files.contains("fleet-rent.yaml"))
    for file in files {
      let result = try CommandRunner.run(
        "sweep", ["plan", CommandRunner.example("financial-legal.yaml"), "--fleet", CommandRunner.example(file)])
      #expect(result.status == 0, "\(file): \(result.stderr)")
    }
  }
}
