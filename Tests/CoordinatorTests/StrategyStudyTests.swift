import Coordinator
import Shared
import Simulation
import Testing

/// The strategy study's bookkeeping on a synthetic ground truth (the reference trainer's is too
/// slow for a debug build; `sweep simulate --strategy-study` runs it in release).
@Suite struct StrategyStudyTests {
  /// Accuracy grows with rank and alpha and saturates with epochs; one configuration is best.
  static let truth: @Sendable (String, [ParameterValue]) -> LearningCurve = { _, values in
    let quality = 0.5 + 0.02 * (values[0].numeric ?? 0) + 0.005 * (values[1].numeric ?? 0)
    let epochs = Int(values[3].numeric ?? 15)
    let points = (1...epochs).map { quality * (1 - 0.5 / Double($0)) }
    return LearningCurve(intermediate: points, final: points)
  }

  @Test func everyStrategyIsMeasuredAgainstTheGridOnTheSameTruth() async throws {
    // The surrogate is slow in a debug build: three strategies, the ones the assertions need.
    let study = StrategyStudy(
      options: .init(
        seeds: [1, 2], workers: 4, trialsPerDomain: 12, strategies: ["grid", "adaptive", "adaptive + asha"]),
      truth: Self.truth)
    let report = try await study.run()
    let best = 0.5 + 0.02 * 16 + 0.005 * 32
    for domain in ["financial", "legal", "medical"] {
      #expect(abs((report.gridBest[domain] ?? 0) - best * (1 - 0.5 / 15)) < 1e-12)
      #expect((report.gridCost[domain] ?? 0) > 0)
    }
    let rows = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.strategy, $0) })
    let grid = try #require(rows["grid"])
    #expect(grid.reached == grid.pairs && grid.pairs == 3)
    #expect(abs(grid.meanCost - 1) < 1e-9)
    #expect(grid.meanTrials == 150)
    // A smooth truth with one corner optimum: the surrogate finds it far cheaper than the grid.
    let adaptive = try #require(rows["adaptive"])
    #expect(adaptive.pairs == 6 && adaptive.reached == 6)
    #expect((adaptive.medianCostToReach ?? 1) < 0.25)
    // ASHA stops trials, so the same number of trials costs less.
    let pruned = try #require(rows["adaptive + asha"])
    #expect(pruned.meanCost < adaptive.meanCost)
    #expect(report.samplers.map(\.trials) == [5, 10, 20, 30])
    #expect(report.rows.count == 3)
    #expect(report.humanLines.contains { $0.hasPrefix("adaptive + asha ") })
  }
}
