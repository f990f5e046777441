import PropertyBased
import Shared
import Testing

@Suite struct SurrogateTests {
  @Test func choleskySolvesRandomPositiveDefiniteSystems() async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...12), Gen.uint64()) { n, seed in
      var generator = Xoshiro256StarStar(seed: seed)
      // A = B·Bᵀ + n·I is positive definite.
      let b = (0..<(n * n)).map { _ in Gaussian.sample(&generator) }
      var a = [Double](repeating: 0, count: n * n)
      for i in 0..<n {
        for j in 0..<n {
          a[i * n + j] = (0..<n).reduce(0) { $0 + b[i * n + $1] * b[j * n + $1] } + (i == j ? Double(n) : 0)
        }
      }
      let x = (0..<n).map { _ in Gaussian.sample(&generator) }
      let rhs = (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i * n + $1] * x[$1] } }
      let factor = try #require(try? Cholesky(a, size: n))
      let solved = factor.solve(rhs)
      for i in 0..<n { #expect(abs(solved[i] - x[i]) < 1e-8 * max(1, abs(x[i]))) }
      #expect(factor.jitter == 0)
    }
  }

  @Test func choleskyAddsJitterToASingularKernelMatrix() throws {
    // Two identical points: the kernel matrix [[1,1],[1,1]] is singular.
    let factor = try Cholesky([1, 1, 1, 1], size: 2)
    #expect(factor.jitter > 0)
    #expect(throws: Cholesky.NotPositiveDefinite.self) { try Cholesky([1, 2, 2, 1], size: 2) }
  }

  @Test func aFittedProcessInterpolatesASmoothFunctionAndIsUnsureFarFromData() throws {
    let inputs = stride(from: 0.0, through: 1.0, by: 0.1).map { [$0] }
    let outputs = inputs.map { 3 + 2 * Math.exp(-8 * ($0[0] - 0.6) * ($0[0] - 0.6)) }
    let model = try GaussianProcess.fit(inputs: inputs, outputs: outputs)
    for x in [0.05, 0.33, 0.61, 0.87] {
      let truth = 3 + 2 * Math.exp(-8 * (x - 0.6) * (x - 0.6))
      #expect(abs(model.predict([x]).mean - truth) < 0.05, "at \(x)")
    }
    #expect(model.predict([3.0]).variance > 10 * model.predict([0.5]).variance)
    // Leave-one-out predictions of a smooth function are close too.
    let loo = model.leaveOneOut()
    for (prediction, truth) in zip(loo, outputs).dropFirst().dropLast() { #expect(abs(prediction.mean - truth) < 0.15) }
  }

  @Test func leaveOneOutMatchesRefittingWithoutThePoint() throws {
    var generator = Xoshiro256StarStar(seed: 4)
    let inputs = (0..<12).map { _ in [generator.nextOpenUnit(), generator.nextOpenUnit()] }
    let outputs = inputs.map { $0[0] * 2 - $0[1] + 0.05 * Gaussian.sample(&generator) }
    let model = try GaussianProcess.fit(inputs: inputs, outputs: outputs)
    let loo = model.leaveOneOut()
    for i in [0, 5, 11] {
      var rest = inputs
      var restOutputs = outputs
      rest.remove(at: i)
      restOutputs.remove(at: i)
      // Same kernel settings; the standardization differs slightly, so compare loosely.
      let refit = try GaussianProcess(inputs: rest, outputs: restOutputs, hyperparameters: model.hyperparameters)
      #expect(abs(refit.predict(inputs[i]).mean - loo[i].mean) < 0.05)
    }
  }

  @Test func expectedImprovementGrowsWithMeanAndUncertainty() {
    #expect(expectedImprovement(mean: 1, variance: 0, best: 0.5) == 0.5)
    #expect(expectedImprovement(mean: 0, variance: 0, best: 0.5) == 0)
    #expect(
      expectedImprovement(mean: 0.5, variance: 1, best: 0.5) > expectedImprovement(mean: 0.5, variance: 0.1, best: 0.5))
    #expect(
      expectedImprovement(mean: 0.6, variance: 0.1, best: 0.5)
        > expectedImprovement(mean: 0.4, variance: 0.1, best: 0.5))
  }

  @Test func theCostModelLearnsThatLargerRanksTakeLonger() {
    let points = (0..<10).map { [Double($0) / 9] }
    let seconds = points.map { 100 * Math.exp(1.5 * $0[0]) }
    let model = CostModel(points: points, seconds: seconds, ridge: 1e-6)
    #expect(abs(model.seconds(at: [0.5]) - 100 * Math.exp(0.75)) < 1)
    #expect(abs(CostModel(points: [[0.1]], seconds: [42]).seconds(at: [0.9]) - 42) < 1e-9)
  }

  @Test func encodingMapsEachValueToTheCentreOfItsCellAndBack() async {
    let space = [
      Parameter(name: "rank", kind: .integer(lower: 1, upper: 64, step: 1, log: true, gridPoints: nil)),
      Parameter(name: "wd", kind: .logUniform(lower: 1e-6, upper: 1e-2, gridPoints: nil)),
      Parameter(name: "alpha", kind: .values([.int(32), .int(8), .int(16)])),
      Parameter(name: "epochs", kind: .fixed(.int(3))),
    ]
    let encoding = SpaceEncoding(space: space, stages: [], domains: ["a"])
    #expect(encoding.active == [0, 1, 2])
    #expect(encoding.dimension == 3)
    await propertyCheck(count: 200, input: Gen.uint64()) { seed in
      var generator = Xoshiro256StarStar(seed: seed)
      let values = space.map { $0.kind.value(atQuantile: generator.nextOpenUnit()) }
      let point = encoding.encode(values, domain: "a")
      #expect(point.allSatisfy { (0...1).contains($0) })
      let back = encoding.decode(point, base: values)
      #expect(back[0] == values[0] && back[2] == values[2])
      #expect(abs(back[1].numeric! / values[1].numeric! - 1) < 1e-9)
    }
    // A list of numbers is ordered by value, not as written.
    #expect(encoding.encode([.int(4), .double(1e-4), .int(8), .int(3)], domain: "a")[2] < 0.5)
  }
}
