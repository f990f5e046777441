import Shared
import Testing

/// The replicate statistics against references computed here another way: the distributions by
/// numerical integration of their densities, the tests and intervals from their formulas.
@Suite struct ReplicateStatisticsTests {
  /// ∫ density over [a, b] by Simpson's rule.
  static func integrate(_ a: Double, _ b: Double, steps: Int = 20_000, _ f: (Double) -> Double) -> Double {
    let h = (b - a) / Double(steps)
    var sum = f(a) + f(b)
    for i in 1..<steps { sum += f(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
    return sum * h / 3
  }

  static func tDensity(_ x: Double, _ df: Double) -> Double {
    Math.exp(Math.logGamma((df + 1) / 2) - Math.logGamma(df / 2)) / (df * Double.pi).squareRoot()
      * Math.pow(1 + x * x / df, -(df + 1) / 2)
  }

  static func fDensity(_ x: Double, _ d1: Double, _ d2: Double) -> Double {
    let logB = Math.logGamma(d1 / 2) + Math.logGamma(d2 / 2) - Math.logGamma((d1 + d2) / 2)
    return Math.exp(
      (d1 / 2) * Math.log(d1 / d2) + (d1 / 2 - 1) * Math.log(x) - ((d1 + d2) / 2) * Math.log(1 + d1 * x / d2) - logB)
  }

  @Test(arguments: [(0.5, 1.0), (1.7, 2.0), (-2.3, 4.0), (2.9, 9.0), (0.1, 30.0)])
  func studentsTMatchesItsIntegratedDensity(t: Double, df: Double) {
    let reference = 0.5 + (t >= 0 ? 1 : -1) * Self.integrate(0, abs(t)) { Self.tDensity($0, df) }
    #expect(abs(Distributions.studentTCDF(t, df: df) - reference) < 1e-8)
    #expect(
      abs(Distributions.studentTTwoSided(t, df: df) - 2 * (1 - Distributions.studentTCDF(abs(t), df: df))) < 1e-12)
  }

  @Test func tQuantilesInvertTheDistributionAndMatchTheTables() {
    for df in [1.0, 2, 5, 10, 29] {
      for p in [0.9, 0.975, 0.995] {
        #expect(abs(Distributions.studentTCDF(Distributions.studentTQuantile(p, df: df), df: df) - p) < 1e-10)
      }
    }
    // Printed tables: t(0.975; 2) = 4.303, t(0.975; 10) = 2.228.
    #expect(abs(Distributions.studentTQuantile(0.975, df: 2) - 4.3027) < 1e-4)
    #expect(abs(Distributions.studentTQuantile(0.975, df: 10) - 2.2281) < 1e-4)
  }

  @Test(arguments: [(3.0, 1.0, 4.0), (1.2, 3.0, 12.0), (0.4, 6.0, 20.0)])
  func fisherFMatchesItsIntegratedDensity(f: Double, d1: Double, d2: Double) {
    // Below: the density's singularity at 0 for d1 = 1 is avoided by integrating the t density instead.
    let below =
      d1 == 1
      ? 2 * Self.integrate(0, f.squareRoot()) { Self.tDensity($0, d2) }
      : Self.integrate(1e-12, f) { Self.fDensity($0, d1, d2) }
    #expect(abs(Distributions.fSurvival(f, d1: d1, d2: d2) - (1 - below)) < 1e-7)
  }

  @Test func holmAdjustsStepDown() {
    let adjusted = Distributions.holm([0.01, 0.04, 0.03, 0.005])
    // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → kept monotone: 0.06.
    let expected = [0.03, 0.06, 0.06, 0.02]
    #expect(zip(adjusted, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(adjusted)")
  }

  static func spec() throws -> SweepSpec {
    try SpecFixtures.decode(
      """
      name: r
      domains: [d1, d2]
      sampler: lhs
      trials_per_domain: 2
      replicates: 2
      space:
        config: [A, B, C]
      command: [run, "{config}", "{seed}"]
      """)
  }

  static func record(_ domain: String, _ config: String, _ replicate: Int, _ value: Double) -> AnalysisRecord {
    var record = AnalysisRecord(
      domain: domain, trialID: "\(domain)-\(config)-\(replicate)", values: [.string(config)], objective: value,
      status: "succeeded", stage: nil, origin: .sampled, seconds: 1)
    record.replicate = replicate
    return record
  }

  @Test func perConfigurationIntervalsAndPairedTestsFollowTheirFormulas() throws {
    let spec = try Self.spec()
    let runs: [String: [Double]] = ["A": [0.80, 0.83, 0.81], "B": [0.78, 0.80, 0.80], "C": [0.60, 0.62, 0.61]]
    let records = runs.flatMap { config, values in values.enumerated().map { Self.record("d1", config, $0, $1) } }
    let analysis = try #require(ReplicateAnalysis(spec: spec, records: records, domain: "d1"))
    #expect(analysis.configurations.map { $0.values[0].canonical } == ["A", "B", "C"])
    let best = analysis.configurations[0]
    let mean = (0.80 + 0.83 + 0.81) / 3
    let sd = ([0.80, 0.83, 0.81].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 2).squareRoot()
    let half = 4.302652729911275 * sd / 3.0.squareRoot()  // t(0.975; 2)
    #expect(abs(best.mean - mean) < 1e-12)
    #expect(abs(best.interval!.lower - (mean - half)) < 1e-6 && abs(best.interval!.upper - (mean + half)) < 1e-6)
    // A − B by seed: 0.02, 0.03, 0.01 → mean 0.02, sd 0.01, t = 0.02 / (0.01/√3).
    let versusB = analysis.comparisons[0]
    #expect(versusB.other == 1 && versusB.pairs == 3)
    #expect(abs(versusB.t! - 0.02 / (0.01 / 3.0.squareRoot())) < 1e-9)
    #expect(abs(versusB.pValue! - Distributions.studentTTwoSided(versusB.t!, df: 2)) < 1e-12)
    let raw = analysis.comparisons.map { $0.pValue! }
    #expect(zip(analysis.comparisons.map { $0.adjustedPValue! }, Distributions.holm(raw)).allSatisfy { $0 == $1 })
    // One parameter explains all the variance between configurations.
    #expect(analysis.importance.count == 1 && abs(analysis.importance[0].share - 1) < 1e-12)
  }

  @Test func theInteractionTestSaysWhenTheBestConfigurationDependsOnTheDomain() throws {
    let spec = try Self.spec()
    // A is best in d1, B in d2: cell means 11, 6 / 7, 10; every cell ±1 around its mean.
    let crossing = [
      Self.record("d1", "A", 0, 10), Self.record("d1", "A", 1, 12), Self.record("d2", "A", 0, 5),
      Self.record("d2", "A", 1, 7), Self.record("d1", "B", 0, 6), Self.record("d1", "B", 1, 8),
      Self.record("d2", "B", 0, 9), Self.record("d2", "B", 1, 11),
    ]
    let across = try #require(DomainInteraction(spec: spec, records: crossing, domains: ["d1", "d2"]))
    // SS_interaction = 2·(4·2²) = 32 on 1 df; SS_error = 8 on 4 df: F = 16, and F(1, 4) = t(4)².
    #expect(abs(across.f - 16) < 1e-12 && across.df == (1, 4))
    #expect(abs(across.pValue - Distributions.studentTTwoSided(4, df: 4)) < 1e-10)
    #expect(across.pValue < 0.05)
    #expect(across.bestPerDomain.map { $0.values[0].canonical } == ["A", "B"])
    // The same configurations, B better by 2 in both domains: no interaction.
    let parallel = [
      Self.record("d1", "A", 0, 10), Self.record("d1", "A", 1, 12), Self.record("d2", "A", 0, 5),
      Self.record("d2", "A", 1, 7), Self.record("d1", "B", 0, 12), Self.record("d1", "B", 1, 14),
      Self.record("d2", "B", 0, 7), Self.record("d2", "B", 1, 9),
    ]
    let none = try #require(DomainInteraction(spec: spec, records: parallel, domains: ["d1", "d2"]))
    #expect(none.f < 1e-12 && none.pValue > 0.99)
  }

  @Test func eachReplicateIsItsOwnTrialWithASeedSharedAcrossConfigurations() throws {
    let spec = try Self.spec()
    let a = spec.makeTrials(domain: "d1", index: 0, values: [.string("A")], stage: 0)
    let b = spec.makeTrials(domain: "d1", index: 2, values: [.string("B")], stage: 0)
    #expect(a.count == 2 && Set((a + b).map(\.id)).count == 4)
    #expect(a.map(\.index) == [0, 1])
    #expect(a.map { $0[parameter: "seed"] } == b.map { $0[parameter: "seed"] })
    #expect(a[0][parameter: "seed"] != a[1][parameter: "seed"])
    #expect(a[1].argv == ["run", "A", a[1][parameter: "seed"]!.canonical])
    // Without replicates a trial has no seed (and {seed} is refused by the decoder).
    var single = spec
    single.replicates = 1
    let one = single.makeTrials(domain: "d1", index: 0, values: [.string("A")], stage: 0)
    #expect(one.count == 1 && one[0][parameter: "seed"] == nil && one[0][parameter: "replicate"] == nil)
    let refused = SpecFixtures.problems(
      "name: r\ndomains: [a]\nsampler: lhs\ntrials_per_domain: 2\nspace:\n  x: [1, 2]\ncommand: [run, \"{seed}\"]")
    #expect(refused.contains { $0.path == "command[1]" && $0.message.contains("add replicates") }, "\(refused)")
    #expect(SweepPlan(spec: spec).totalTrials == 2 * 2 * 2)
  }
}
