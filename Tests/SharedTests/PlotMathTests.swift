import PropertyBased
import Shared
import Testing

/// The arithmetic of the dashboard's plots: best-so-far, the cost/objective frontier,
/// downsampling that keeps what matters, and parameter importance.
@Suite struct PlotMathTests {
  @Test func theBestSoFarFollowsTheGoal() {
    #expect(PlotMath.bestSoFar([0.5, 0.4, 0.7, 0.6, 0.9], goal: .maximize) == [0.5, 0.5, 0.7, 0.7, 0.9])
    #expect(PlotMath.bestSoFar([3, 4, 1, 2], goal: .minimize) == [3, 3, 1, 1])
    #expect(PlotMath.bestSoFar([], goal: .maximize).isEmpty)
  }

  @Test func theFrontierHasTheCheapestWayToEachBetterObjective() {
    // cost, accuracy: (1, .5) (2, .7) (2, .6) (3, .65) (4, .9) (5, .9)
    let frontier = PlotMath.paretoFrontier(
      costs: [1, 2, 2, 3, 4, 5], objectives: [0.5, 0.7, 0.6, 0.65, 0.9, 0.9], goal: .maximize)
    #expect(frontier == [0, 1, 4])
    #expect(PlotMath.paretoFrontier(costs: [1, 2, 3], objectives: [0.3, 0.2, 0.1], goal: .minimize) == [0, 1, 2])
  }

  /// No frontier point is beaten on both cost and objective by any point, and every point off it
  /// is beaten (or matched) by one on it.
  @Test func theFrontierIsExactlyTheUndominatedPoints() async {
    await propertyCheck(
      count: 300, input: zip(Gen.int(in: 0...20), Gen.int(in: 0...20)).array(of: 1...40), Gen.int(in: 0...1)
    ) { pairs, direction in
      let maximize = direction == 1
      let goal: Objective.Goal = maximize ? .maximize : .minimize
      let costs = pairs.map { Double($0.0) }
      let objectives = pairs.map { Double($0.1) }
      let better: (Double, Double) -> Bool = maximize ? { $0 > $1 } : { $0 < $1 }
      let frontier = PlotMath.paretoFrontier(costs: costs, objectives: objectives, goal: goal)
      let onFrontier = Set(frontier)
      for index in frontier {
        for other in costs.indices where other != index {
          let dominates =
            costs[other] <= costs[index] && !better(objectives[index], objectives[other])
            && (costs[other] < costs[index] || better(objectives[other], objectives[index]))
          #expect(!dominates, "\(other) dominates frontier point \(index)")
        }
      }
      for index in costs.indices where !onFrontier.contains(index) {
        #expect(
          frontier.contains { costs[$0] <= costs[index] && !better(objectives[index], objectives[$0]) },
          "\(index) is off the frontier but nothing on it is as good")
      }
      #expect(frontier.map { costs[$0] } == frontier.map { costs[$0] }.sorted())
    }
  }

  @Test func downsamplingKeepsTheLimitTheMarkedPointsAndItsOrder() async {
    await propertyCheck(
      count: 300, input: Gen.int(in: 0...5_000), Gen.int(in: 1...300), Gen.int(in: 0...5_000).array(of: 0...20)
    ) { count, limit, marked in
      let keep = Set(marked.filter { $0 < count })
      let chosen = PlotMath.downsample(count: count, limit: limit, keeping: keep)
      #expect(chosen == chosen.sorted() && Set(chosen).count == chosen.count)
      #expect(chosen.allSatisfy { $0 >= 0 && $0 < count })
      if count <= limit {
        #expect(chosen == Array(0..<count))
      } else {
        #expect(keep.isSubset(of: Set(chosen)))
        #expect(chosen.count <= max(limit, keep.count))
      }
      #expect(PlotMath.downsample(count: count, limit: limit, keeping: keep) == chosen)
    }
  }

  @Test func theCorrelationRatioIsTheShareOfVarianceTheGroupsExplain() {
    // groups explain everything
    #expect(PlotMath.correlationRatio(groups: [0, 0, 1, 1], values: [1, 1, 3, 3]) == 1)
    // groups explain nothing: equal group means
    #expect(PlotMath.correlationRatio(groups: [0, 1, 0, 1], values: [1, 1, 3, 3]) == 0)
    // one group, or no variance
    #expect(PlotMath.correlationRatio(groups: [0, 0, 0], values: [1, 2, 3]) == 0)
    #expect(PlotMath.correlationRatio(groups: [0, 1, 2], values: [2, 2, 2]) == 0)
    // half: means 1.5 and 3.5 around 2.5 → between 4, total 5 → 0.8
    let eta = PlotMath.correlationRatio(groups: [0, 0, 1, 1], values: [1, 2, 3, 4])
    #expect(abs(eta - 0.8) < 1e-12)
  }

  @Test func theParameterTheObjectiveDependsOnIsTheImportantOne() {
    var generator = Xoshiro256StarStar(seed: 7)
    var rank: [ParameterValue] = []
    var noise: [ParameterValue] = []
    var optimizer: [ParameterValue] = []
    var objectives: [Double] = []
    for _ in 0..<200 {
      let r = Int64(4 << generator.nextIndex(below: 5))
      let n = generator.nextOpenUnit()
      rank.append(.int(r))
      noise.append(.double(n))
      optimizer.append(.string(["adamw", "sgd"][generator.nextIndex(below: 2)]))
      objectives.append(Double(r) / 64 + 0.01 * n)
    }
    let scores = PlotMath.importance(parameters: [rank, noise, optimizer], objectives: objectives)
    #expect(abs(scores.reduce(0, +) - 1) < 1e-9)
    #expect(scores[0] > 0.8 && scores[0] > scores[1] && scores[0] > scores[2], "\(scores)")
  }

  @Test func quantileBinsKeepTiesTogetherAndOrder() {
    let bins = PlotMath.quantileBins([5, 1, 1, 1, 9, 7, 3, 3], bins: 4)
    // equal values share a bin; larger values never get a smaller bin
    #expect(bins[1] == bins[2] && bins[2] == bins[3] && bins[6] == bins[7])
    let values = [5.0, 1, 1, 1, 9, 7, 3, 3]
    for a in values.indices { for b in values.indices where values[a] < values[b] { #expect(bins[a] <= bins[b]) } }
  }
}
