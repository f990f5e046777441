import Coordinator
import Shared
import Simulation
import SpecReading
import Testing

/// The strategy study's runner drives the coordinator's scheduler on virtual time.
@Suite struct StrategyRunnerTests {
  static func spec(_ keys: String) throws -> SweepSpec {
    try SpecDecoder.decode(
      """
      name: e
      domains: [financial]
      seed: 5
      \(keys)
      space:
        rank: [1, 2, 4, 8, 16]
        alpha: [2, 4, 8, 16]
        epochs: 15
      command: [train, "{rank}", "{alpha}", "{epochs}"]
      """, file: "runner.yaml")
  }

  @Test func theRunnerPrunesWithASHAAndSpendsLessThanWithout() async throws {
    let plain = try Self.spec("sampler: lhs\ntrials_per_domain: 12")
    let pruned = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 12\nearly_stopping: {method: asha, min_epochs: 1, reduction_factor: 3}")
    // Curves that keep their order: a configuration's accuracy is its rank + alpha, scaled by progress.
    let curve: (String, [ParameterValue]) -> LearningCurve = { _, values in
      let quality = (values[0].numeric! + values[1].numeric!) / 32
      let points = (1...15).map { quality * Double($0) / 15 }
      return LearningCurve(intermediate: points, final: points)
    }
    let a = try await StrategyRunner(spec: plain, workers: 2, curve: curve, secondsPerEpoch: { _, _ in 10 }).run()
    let b = try await StrategyRunner(spec: pruned, workers: 2, curve: curve, secondsPerEpoch: { _, _ in 10 }).run()
    #expect(b.trials.contains { $0.trial.state == .pruned })
    #expect(b.spent("financial", by: b.makespan) < a.spent("financial", by: a.makespan))
    // The best configuration is never pruned by an order-keeping curve.
    let bestA = a.finishes("financial").map(\.objective).max()
    let bestB = b.finishes("financial").map(\.objective).max()
    #expect(bestA == bestB)
  }

  @Test func aTwoStageSweepRunsItsScreenThenTheBestAtFullLength() async throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]")
    let curve: (String, [ParameterValue]) -> LearningCurve = { _, values in
      let epochs = Int(values[2].numeric!)
      let points = (1...epochs).map { (values[0].numeric! / 16) * Double($0) / Double(epochs) }
      return LearningCurve(intermediate: points, final: points)
    }
    let outcome = try await StrategyRunner(spec: spec, workers: 3, curve: curve, secondsPerEpoch: { _, _ in 60 }).run()
    #expect(outcome.trials.count == 8)
    let finals = outcome.trials.filter { $0.trial.stage == 1 }
    #expect(finals.count == 2 && finals.allSatisfy { $0.epochsRun == 15 && $0.trial.origin == .promoted })
    #expect(outcome.trials.filter { $0.trial.stage == 0 }.allSatisfy { $0.epochsRun == 3 })
    // The finals start after the whole screen: 6 screens on 3 workers take two rounds of 3 minutes.
    #expect(finals.allSatisfy { ($0.started ?? 0) >= 360 })
    #expect(outcome.makespan == 360 + 15 * 60)
  }
}
