import Shared
import Testing

/// `sweep extend`'s continuation of a design: the old points stay, the new ones fill the strata
/// the old ones left empty, and the whole stays about as well spread as a fresh design.
@Suite struct DesignExtensionTests {
  static let space: [Parameter] = [
    Parameter(name: "x", kind: .uniform(lower: 0, upper: 1, gridPoints: nil)),
    Parameter(name: "lr", kind: .logUniform(lower: 1e-5, upper: 1e-2, gridPoints: nil)),
    Parameter(name: "z", kind: .uniform(lower: -1, upper: 1, gridPoints: nil)),
    Parameter(name: "alpha", kind: .values([.int(8), .int(16), .int(32), .int(64)])),
  ]

  static func quantiles(_ design: DesignColumns, _ column: Int) -> [Double] {
    guard case .quantiles(let values) = design.columns[column] else { return [] }
    return values
  }

  @Test(arguments: [(12, 12), (10, 3), (7, 30), (1, 1)])
  func newPointsTakeOnlyStrataTheOldOnesLeftEmpty(old: Int, added: Int) {
    for seed in UInt64(1)...20 {
      var generator = Xoshiro256StarStar(seed: seed)
      let base = DesignColumns.latinHypercube(Self.space, count: old, generator: &generator)
      let grown = base.extended(by: added, space: Self.space, generator: &generator)
      #expect(grown.count == old + added)
      let total = Double(old + added)
      for column in 0..<3 {
        let all = Self.quantiles(grown, column)
        #expect(Array(all.prefix(old)) == Self.quantiles(base, column), "the old points moved")
        let oldStrata = all.prefix(old).map { Int($0 * total) }
        let newStrata = all.suffix(added).map { Int($0 * total) }
        #expect(Set(newStrata).count == added, "two new points share a stratum (seed \(seed))")
        #expect(Set(newStrata).isDisjoint(with: oldStrata), "a new point joined an old one (seed \(seed))")
        // So no stratum of the combined design holds more than two points.
        let counts = Dictionary(grouping: oldStrata + newStrata, by: { $0 }).values.map(\.count)
        #expect(counts.allSatisfy { $0 <= 2 })
      }
      // The list of values ends as evenly shared as a fresh Latin hypercube of the whole size.
      guard case .choices(let entries) = grown.columns[3] else {
        Issue.record("alpha should be a list column")
        continue
      }
      let shares = Dictionary(grouping: entries, by: { $0 }).values.map(\.count)
      #expect(shares.max()! - (shares.count == 4 ? shares.min()! : 0) <= 1 || old + added < 4, "\(shares)")
    }
  }

  @Test func theSameExtensionOfTheSameSweepGivesTheSameTrials() throws {
    var spec = try SpecFixtures.spec(
      sampler: "lhs", trials: 8, space: "  x: {uniform: [0, 1]}\n  r: {int: [4, 64], log: true}\n  a: [1, 2, 3]")
    spec = try spec.applying(SweepExtension(id: "e1", trials: ["a": 5]))
    spec = try spec.applying(SweepExtension(id: "e2", trials: ["a": 3]))
    let first = DomainSampler.extensionCandidates(spec, domain: "a", ordinal: 0)
    let second = DomainSampler.extensionCandidates(spec, domain: "a", ordinal: 1)
    #expect(first.count == 5 && second.count == 3)
    #expect(first == DomainSampler.extensionCandidates(spec, domain: "a", ordinal: 0))
    #expect(second == DomainSampler.extensionCandidates(spec, domain: "a", ordinal: 1))
    // The second continues the first: none of its points repeats an earlier one.
    let earlier = Set((Array(DomainSampler.candidates(spec, domain: "a")) + first).map { "\($0)" })
    #expect(second.allSatisfy { !earlier.contains("\($0)") })
  }

  /// The property the extension exists for, measured: the nearest-neighbour distance of the
  /// grown design against a fresh design of the same size and against what a second sweep gives
  /// (the old points plus an unrelated Latin hypercube of the new count), over many seeds.
  @Test func aGrownDesignIsAboutAsSpreadAsAFreshOneAndBetterThanASecondSweep() {
    let continuous = Array(Self.space.prefix(3))
    var grown: [Double] = []
    var fresh: [Double] = []
    var secondSweep: [Double] = []
    for seed in UInt64(1)...60 {
      var generator = Xoshiro256StarStar(seed: seed)
      let base = DesignColumns.latinHypercube(continuous, count: 12, generator: &generator)
      grown.append(base.extended(by: 12, space: continuous, generator: &generator).minimumDistance(space: continuous))
      fresh.append(
        DesignColumns.latinHypercube(continuous, count: 24, generator: &generator).minimumDistance(space: continuous))
      let other = DesignColumns.latinHypercube(continuous, count: 12, generator: &generator)
      secondSweep.append(base.appending(other).minimumDistance(space: continuous))
    }
    let median = { (values: [Double]) in values.sorted()[values.count / 2] }
    #expect(median(grown) > median(secondSweep) * 1.2, "grown \(median(grown)), second sweep \(median(secondSweep))")
    #expect(median(grown) > median(fresh), "grown \(median(grown)), fresh \(median(fresh))")
  }
}

extension DesignColumns {
  func minimumDistance(space: [Parameter]) -> Double {
    var nearest = Double.infinity
    for i in 0..<count {
      for j in (i + 1)..<count {
        let a = unitPoint(i, space: space)
        let b = unitPoint(j, space: space)
        nearest = min(nearest, zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
      }
    }
    return nearest.squareRoot()
  }

  func appending(_ other: DesignColumns) -> DesignColumns {
    DesignColumns(
      columns: zip(columns, other.columns).map { a, b in
        switch (a, b) {
        case (.quantiles(let x), .quantiles(let y)): .quantiles(x + y)
        case (.choices(let x), .choices(let y)): .choices(x + y)
        default: a
        }
      }, count: count + other.count)
  }
}
