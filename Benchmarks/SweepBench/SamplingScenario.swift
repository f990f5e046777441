import Foundation
import Shared
import SpecReading

/// Scenario 3: sampling a million trials (LHS, random) and enumerating a million-point grid,
/// with trial ids, de-duplication and shards: everything `sweep submit` does before the database.
struct SamplingScenario {
  var trials: Int
  var repetitions: Int

  func run() async throws -> [ResultRow] {
    let continuous = """
        rank: {int: [1, 64], log: true}
        alpha: {int: [4, 128], log: true}
        weight_decay: {log_uniform: [1.0e-6, 1.0e-2]}
        learning_rate: {log_uniform: [1.0e-4, 3.0e-2]}
        epochs: {int: [1, 20]}
      """
    // 10 × 10 × 10 × 10 × 10 × 10 = 1,000,000 points at the default size.
    let side = Int(pow(Double(trials), 1.0 / 6.0).rounded())
    let grid = (0..<6).map { "  p\($0): {values: [\((0..<side).map(String.init).joined(separator: ", "))]}" }
      .joined(separator: "\n")
    let cases: [(String, String)] = [
      ("lhs", "sampler: lhs\ntrials_per_domain: \(trials)\nspace:\n\(continuous)"),
      ("random", "sampler: random\ntrials_per_domain: \(trials)\nspace:\n\(continuous)"),
      ("grid", "sampler: grid\nspace:\n\(grid)"),
    ]
    var rows: [ResultRow] = []
    for (name, body) in cases {
      let spec = try SpecDecoder.decode(
        "name: s\ndomains: [a]\nshard_size: 8\n\(body)\ncommand: [run]\n", file: "\(name).yaml")
      var times: [Double] = []
      var count = 0
      Memory.resetPeak()
      let before = Memory.currentMiB()
      for repetition in 0...repetitions {
        var plan: SweepPlan? = nil
        let time = await seconds { plan = SweepPlan(spec: spec) }
        count = plan?.totalTrials ?? 0
        if repetition > 0 { times.append(time) }
      }
      rows.append(
        ResultRow(
          scenario: "sampling", parameters: ["sampler": name, "trials": "\(count)"],
          figures: [
            "seconds": Sample(values: times), "trials_per_s": Sample(values: times.map { Double(count) / $0 }),
            "peak_rss_growth_mib": Sample(values: [Memory.peakMiB() - before]),
          ]))
    }
    return rows
  }
}
