import Foundation
import PropertyBased
import Shared
import SpecReading
import Testing

@Suite struct SamplerTests {
  @Test func theStudysGridHas150TrialsPerDomain() throws {
    let text = try String(contentsOf: examplesURL("twelve-domains-grid.yaml"), encoding: .utf8)
    let spec = try SpecDecoder.decode(text, file: "twelve-domains-grid.yaml")
    let plan = SweepPlan(spec: spec)
    #expect(plan.samples.count == 12)
    #expect(plan.samples.allSatisfy { $0.trials.count == 150 && $0.duplicatesRemoved == 0 })
    #expect(plan.totalTrials == 1_800)
    #expect(plan.shards.count == 12 * 30)
    let first = plan.samples[0].trials
    #expect(Set(first.map { TrialID.canonicalKey($0.params) }).count == 150)
    #expect(first[0].params.map(\.value) == [.int(4), .double(1e-6), .int(8), .int(3)])
    #expect(first[1].params.map(\.value) == [.int(4), .double(1e-6), .int(16), .int(3)])
  }

  @Test func gridPointsSpaceContinuousRangesEvenly() throws {
    let spec = try SpecFixtures.spec(
      sampler: "grid",
      space:
        "  lr: {log_uniform: [1e-4, 1e-2], grid_points: 3}\n  x: {uniform: [0, 1], grid_points: 5}\n  r: {int: [1, 64], log: true, grid_points: 7}"
    )
    let rows = Samplers.grid(spec.space)
    #expect(rows.count == 3 * 5 * 7)
    let lr = Set(rows.map { $0[0].numeric! })
    #expect(lr.count == 3 && lr.contains(1e-4) && lr.contains(1e-2))
    #expect(lr.contains { abs($0 - 1e-3) < 1e-15 })
    #expect(Set(rows.map { $0[1].numeric! }) == [0, 0.25, 0.5, 0.75, 1])
    #expect(Set(rows.map { $0[2] }) == [.int(1), .int(2), .int(4), .int(8), .int(16), .int(32), .int(64)])
  }

  @Test func intGridEnumeratesEveryStep() throws {
    let spec = try SpecFixtures.spec(sampler: "grid", space: "  r: {int: [2, 10], step: 4}")
    #expect(Samplers.grid(spec.space).map { $0[0] } == [.int(2), .int(6), .int(10)])
  }

  /// For every continuous parameter, the n samples fall one in each of the n equal-probability
  /// strata (computed back from the values, in log space for log ranges).
  @Test func latinHypercubeUsesEveryStratumExactlyOnce() async throws {
    await propertyCheck(count: 60, input: Gen.int(in: 1...400), Gen.uint64()) { n, seed in
      let space: [Parameter] = [
        Parameter(name: "x", kind: .uniform(lower: -3, upper: 5, gridPoints: nil)),
        Parameter(name: "wd", kind: .logUniform(lower: 1e-6, upper: 5e-4, gridPoints: nil)),
        Parameter(name: "opt", kind: .values([.string("a"), .string("b"), .string("c")])),
        Parameter(name: "big", kind: .integer(lower: 0, upper: 1_000_000_000, step: 1, log: false, gridPoints: nil)),
      ]
      var generator = Xoshiro256StarStar(seed: seed)
      let rows = Samplers.latinHypercube(space, count: n, generator: &generator)
      #expect(rows.count == n)
      let strataX = rows.map { Int((($0[0].numeric! + 3) / 8 * Double(n)).rounded(.down)) }
      #expect(strataX.sorted() == Array(0..<n))
      let strataWD = rows.map { row in
        let u = (log(row[1].numeric!) - log(1e-6)) / (log(5e-4) - log(1e-6))
        return min(n - 1, Int((u * Double(n)).rounded(.down)))
      }
      #expect(strataWD.sorted() == Array(0..<n))
      let strataBig = rows.map { Int(($0[3].numeric! / 1_000_000_001 * Double(n)).rounded(.down)) }
      #expect(strataBig.sorted() == Array(0..<n))
      var counts: [String: Int] = [:]
      for row in rows { counts[row[2].canonical, default: 0] += 1 }
      let expected = [n / 3, (n + 2) / 3]
      #expect(counts.values.allSatisfy { expected.contains($0) || (n < 3 && $0 == 1) })
      #expect(counts.values.reduce(0, +) == n)
    }
  }

  @Test func logIntegersStayInRangeAndOnTheirStep() async {
    await propertyCheck(count: 200, input: Gen.int64(in: 1...100), Gen.int64(in: 1...5), Gen.uint64()) {
      lower, step, seed in
      let upper = lower + step * 20
      let kind = ParameterKind.integer(lower: lower, upper: upper, step: step, log: true, gridPoints: nil)
      var generator = Xoshiro256StarStar(seed: seed)
      for _ in 0..<50 {
        guard case .int(let value) = kind.value(atQuantile: generator.nextOpenUnit()) else {
          Issue.record("not an int")
          return
        }
        #expect(value >= lower && value <= upper && (value - lower) % step == 0)
      }
    }
  }

  @Test func logUniformSamplesAreSpreadInLogSpace() throws {
    let spec = try SpecFixtures.spec(sampler: "random", trials: 4000, space: "  wd: {log_uniform: [1e-6, 1e-2]}")
    let values = DomainSampler.sample(spec, domain: "a").trials.map { $0.params[0].value.numeric! }
    // each decade should get about a quarter of the draws
    for decade in [-6.0, -5, -4, -3] {
      let share = Double(values.filter { log10($0) >= decade && log10($0) < decade + 1 }.count) / 4000
      #expect(abs(share - 0.25) < 0.04, "decade \(decade): \(share)")
    }
  }

  @Test func samplingIsDeterministicForASpecAndSeed() throws {
    for sampler in ["random", "lhs"] {
      let a = try SpecFixtures.spec(
        sampler: sampler, trials: 50, space: "  x: {uniform: [0, 1]}\n  r: {int: [4, 64]}", domains: "[a, b]")
      let b = try SpecFixtures.spec(
        sampler: sampler, trials: 50, space: "  x: {uniform: [0, 1]}\n  r: {int: [4, 64]}", domains: "[a, b]")
      #expect(SweepPlan(spec: a).samples == SweepPlan(spec: b).samples)
      let other = try SpecFixtures.spec(
        sampler: sampler, trials: 50, space: "  x: {uniform: [0, 1]}\n  r: {int: [4, 64]}", domains: "[a, b]", seed: 2)
      #expect(SweepPlan(spec: a).samples != SweepPlan(spec: other).samples)
    }
  }

  /// Pinned values: if these change, every running sweep's trial ids would change on upgrade.
  @Test func theGeneratorAndIdsAreStableAcrossReleases() throws {
    var generator = Xoshiro256StarStar(seed: 42)
    // Reference values from an independent implementation of xoshiro256** seeded by SplitMix64.
    #expect(
      [generator.next(), generator.next(), generator.next()] == [
        0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1,
      ])
    let spec = try SpecFixtures.spec(sampler: "grid", space: "  r: [1, 2]")
    let ids = DomainSampler.sample(spec, domain: "a").trials.map(\.id)
    #expect(
      ids == [
        TrialID.make(sweep: "s", domain: "a", canonicalKey: "r=1"),
        TrialID.make(sweep: "s", domain: "a", canonicalKey: "r=2"),
      ])
    #expect(ids[0] == "13fb64b61f2755d1")  // FNV-1a of "s␟a␟r=1␟", mixed by SplitMix64
    #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) })
  }

  @Test func domainsDoNotDisturbEachOther() throws {
    let one = try SpecFixtures.spec(sampler: "lhs", trials: 10, space: "  x: {uniform: [0, 1]}", domains: "[a]")
    let two = try SpecFixtures.spec(sampler: "lhs", trials: 10, space: "  x: {uniform: [0, 1]}", domains: "[b, a]")
    #expect(DomainSampler.sample(one, domain: "a") == DomainSampler.sample(two, domain: "a"))
  }

  @Test func trialIDsIgnoreTheOrderOfSpaceKeys() throws {
    let ab = try SpecFixtures.spec(sampler: "grid", space: "  a: [1, 2]\n  b: [x, y]")
    let ba = try SpecFixtures.spec(sampler: "grid", space: "  b: [x, y]\n  a: [1, 2]")
    #expect(
      Set(DomainSampler.sample(ab, domain: "a").trials.map(\.id))
        == Set(DomainSampler.sample(ba, domain: "a").trials.map(\.id)))
  }

  @Test func duplicateConfigurationsAreRemovedAndCounted() throws {
    let spec = try SpecFixtures.spec(sampler: "random", trials: 40, space: "  a: [1, 2]\n  b: [x, y]")
    let sample = DomainSampler.sample(spec, domain: "a")
    #expect(sample.trials.count == 4)
    #expect(sample.duplicatesRemoved == 36)
    #expect(sample.trials.map(\.index) == [0, 1, 2, 3])
    #expect(SweepPlan(spec: spec).distinctConfigurations == 4)
  }

  @Test func placeholdersAreFilledWithCanonicalValues() throws {
    let spec = try SpecFixtures.decode(SpecFixtures.valid)
    let trial = DomainSampler.sample(spec, domain: "legal").trials[0]
    #expect(trial.argv[0...1] == ["python", "train.py"])
    #expect(trial.argv[3] == trial[parameter: "rank"]!.canonical)
    #expect(trial.argv[5] == trial[parameter: "weight_decay"]!.canonical)
    #expect(trial.argv[8] == "--out=runs/legal/\(trial.id)")
  }

  @Test func shardsGroupADomainsTrialsInOrder() throws {
    let spec = try SpecFixtures.spec(sampler: "lhs", trials: 7, space: "  x: {uniform: [0, 1]}")
    let sample = DomainSampler.sample(spec, domain: "a")
    let shards = Shard.make(sample, size: 3)
    #expect(shards.map(\.trialIDs.count) == [3, 3, 1])
    #expect(shards.flatMap(\.trialIDs) == sample.trials.map(\.id))
    #expect(shards.map(\.ordinal) == [0, 1, 2])
  }

  @Test func randomIndicesAreUnbiasedAndInRange() {
    var generator = Xoshiro256StarStar(seed: 9)
    var counts = Array(repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[generator.nextIndex(below: 7)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    let permutation = generator.permutation(of: 100)
    #expect(permutation.sorted() == Array(0..<100))
  }
}

/// The repository's `examples/` folder, found from this file's path.
func examplesURL(_ name: String) -> URL {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples").appendingPathComponent(name)
}
