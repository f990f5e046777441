import Shared
import Testing

/// `sweep predict --holdout`'s table against a reference computed here from the surrogate itself.
@Suite struct PredictionCheckTests {
  static func spec() throws -> SweepSpec {
    try SpecFixtures.spec(sampler: "lhs", trials: 16, space: "  x: {uniform: [0, 1]}\n  y: {uniform: [0, 1]}")
  }

  static func records(_ spec: SweepSpec) -> [AnalysisRecord] {
    DomainSampler.sample(spec, domain: "a").trials.map { trial in
      let values = trial.params.map(\.value)
      let x = values[0].numeric!
      let y = values[1].numeric!
      return AnalysisRecord(
        domain: "a", trialID: trial.id, values: values, objective: 0.5 + 0.3 * x - 0.2 * (y - 0.4) * (y - 0.4),
        status: "succeeded", stage: nil, origin: .sampled, seconds: 60)
    }
  }

  @Test func everyHeldOutTrialIsPredictedByTheSurrogateFittedOnTheRest() throws {
    let spec = try Self.spec()
    let records = Self.records(spec)
    let split = PredictionCheck.holdout(records, spec: spec, domain: "a", fraction: 0.3, seed: 9)
    #expect(split.test.count == 5 && split.train.count == 11)
    #expect(Set(split.test.map(\.trialID)).isDisjoint(with: split.train.map(\.trialID)))
    // Seeded: the same split again.
    #expect(
      PredictionCheck.holdout(records, spec: spec, domain: "a", fraction: 0.3, seed: 9).test.map(\.trialID)
        == split.test.map(\.trialID))

    let check = try #require(PredictionCheck(spec: spec, domain: "a", train: split.train, test: split.test))
    let reference = try #require(
      SurrogateAnalysis(
        space: spec.space, stages: spec.stages, goal: .maximize,
        observations: spec.observations(split.train, domain: "a"))
    )
    #expect(check.trained == 11 && check.rows.count == 5)
    var inside = 0
    for (row, record) in zip(check.rows, split.test) {
      let p = reference.predict(record.values, domain: "a")
      #expect(row.trialID == record.trialID && row.actual == record.objective)
      #expect(row.predicted == p.mean && row.lower == p.lower && row.upper == p.upper)
      if p.lower <= record.objective! && record.objective! <= p.upper { inside += 1 }
    }
    #expect(check.coverage == Double(inside) / 5)
    let predicted = check.rows.map(\.predicted)
    let actual = check.rows.map(\.actual)
    #expect(check.meanAbsoluteError == Statistics.meanAbsoluteError(predicted, actual))
    let trueBest = actual.indices.max { actual[$0] < actual[$1] }!
    let topThree = predicted.indices.sorted { predicted[$0] > predicted[$1] }.prefix(3)
    #expect(check.bestInPredictedTopThree == topThree.contains(trueBest))
    // A smooth function of two parameters, fitted on eleven points, is predicted closely.
    #expect(check.meanAbsoluteError < 0.03, "\(check.rows)")
  }

  @Test func tooFewTrialsToFitOnGiveNoCheck() throws {
    let spec = try Self.spec()
    let records = Array(Self.records(spec).prefix(3))
    let split = PredictionCheck.holdout(records, spec: spec, domain: "a", fraction: 0.5, seed: 1)
    #expect(split.test.isEmpty)
    #expect(PredictionCheck(spec: spec, domain: "a", train: split.train, test: split.test) == nil)
  }
}
