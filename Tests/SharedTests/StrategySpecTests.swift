import Shared
import SpecReading
import Testing

@Suite struct StrategySpecTests {
  static let base = """
    name: s
    domains: [financial, legal, medical]
    seed: 3
    space:
      rank: [1, 2, 4, 8]
      weight_decay: {log_uniform: [1.0e-5, 1.0e-2]}
      epochs: 15
    command: [train, "{rank}", "{weight_decay}", "{epochs}"]
    """

  @Test func decodesStagesEarlyStoppingTransferAndAdaptive() throws {
    let spec = try SpecFixtures.decode(
      Self.base + """

        sampler: adaptive
        trials_per_domain: 12
        adaptive: {initial: random, initial_trials: 5, parallel: 2, warm_start: [sw-1]}
        stages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]
        early_stopping: {method: asha, min_epochs: 1, reduction_factor: 3}
        transfer: {from: financial, top_k: 3}
        """)
    #expect(
      spec.stages == [
        Stage(name: "screen", overrides: ["epochs": .int(3)], topK: nil),
        Stage(name: "final", overrides: ["epochs": .int(15)], topK: 2),
      ])
    #expect(
      spec.earlyStopping
        == EarlyStopping(metric: "accuracy", goal: .maximize, minEpochs: 1, reductionFactor: 3, minTrialsPerRung: 3))
    #expect(spec.transfer == Transfer(source: "financial", topK: 3, targets: ["legal", "medical"]))
    #expect(spec.adaptive == AdaptiveSampling(initial: .random, initialTrials: 5, parallel: 2, warmStart: ["sw-1"]))
    #expect(spec.hasStrategies)
    // A target draws trials_per_domain less what the transfer brings, capped by the initial design.
    #expect(spec.initialSampleCount(for: "financial") == 5)
    #expect(spec.initialSampleCount(for: "legal") == 5)
  }

  @Test func firstStageOverridesEverySampledTrialAndLaterStagesGetTheirOwnIds() throws {
    let spec = try SpecFixtures.decode(
      Self.base
        + "\nsampler: lhs\ntrials_per_domain: 4\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 3, top_k: 1}]"
    )
    let sample = DomainSampler.sample(spec, domain: "financial")
    #expect(sample.trials.allSatisfy { $0[parameter: "epochs"] == .int(3) })
    let values = sample.trials[0].params.map(\.value)
    // A final stage that overrides nothing new still makes a different trial.
    #expect(spec.makeTrial(domain: "financial", index: 9, values: values, stage: 1).id != sample.trials[0].id)
  }

  @Test func reportsEveryStrategyMistakeWithItsKeyPath() {
    let problems = SpecFixtures.problems(
      Self.base + """

        sampler: lhs
        trials_per_domain: 4
        adaptive: {initial: lhs}
        stages: [{name: screen, epoch: 3, top_k: 2}, {name: final, epochs: 15}]
        early_stopping: {method: hyperband, epochs_parameter: steps}
        transfer: {from: finance, top_k: 9}
        """)
    let text = problems.map { "\($0.path): \($0.message)" }
    #expect(text.contains { $0.hasPrefix("stages[0].epoch:") && $0.contains("did you mean 'epochs'") }, "\(text)")
    #expect(text.contains { $0.hasPrefix("stages[0].top_k:") && $0.contains("later stages only") })
    #expect(text.contains { $0.hasPrefix("stages[1].top_k:") && $0.contains("missing") })
    #expect(text.contains { $0.hasPrefix("early_stopping.method:") && $0.contains("expected asha") })
    #expect(text.contains { $0.hasPrefix("early_stopping.epochs_parameter:") && $0.contains("no parameter 'steps'") })
    #expect(text.contains { $0.hasPrefix("transfer.from:") && $0.contains("did you mean 'financial'") })
    #expect(text.contains { $0.hasPrefix("transfer.top_k:") && $0.contains("more than trials_per_domain") })
    #expect(text.contains { $0.hasPrefix("adaptive:") && $0.contains("sampler: adaptive only") })
    #expect(problems.allSatisfy { $0.position != nil })
  }

  @Test func aTransferRefinesWithAMarginAndACountGivenTogether() throws {
    let spec = try SpecFixtures.decode(
      Self.base
        + "\nsampler: lhs\ntrials_per_domain: 6\ntransfer: {from: legal, top_k: 2, refine_if_worse_by: 0.02, refine_trials: 5}"
    )
    #expect(spec.transfer?.refine == Transfer.Refinement(margin: 0.02, trials: 5))
    let cases: [(String, String, String)] = [
      ("{from: legal, top_k: 2, refine_trials: 5}", "transfer.refine_if_worse_by", "missing"),
      ("{from: legal, top_k: 2, refine_if_worse_by: 0.02}", "transfer.refine_trials", "missing"),
      ("{from: legal, top_k: 2, refine_if_worse_by: -1, refine_trials: 5}", "transfer.refine_if_worse_by", "negative"),
      ("{from: legal, top_k: 2, refine_if_worse_by: 0.1, refine_trials: 0}", "transfer.refine_trials", "1"),
    ]
    for (transfer, path, fragment) in cases {
      let problems = SpecFixtures.problems(Self.base + "\nsampler: lhs\ntrials_per_domain: 6\ntransfer: \(transfer)")
      #expect(problems.contains { $0.path == path && $0.message.contains(fragment) }, "\(transfer): \(problems)")
    }
    let adaptive = SpecFixtures.problems(
      Self.base
        + "\nsampler: adaptive\ntrials_per_domain: 6\ntransfer: {from: legal, top_k: 2, refine_if_worse_by: 0.1, refine_trials: 3}"
    )
    #expect(adaptive.contains { $0.path == "transfer.refine_trials" && $0.message.contains("lhs and random") })
  }

  @Test func aLaterStageMayReplicateItsFinalists() throws {
    let spec = try SpecFixtures.decode(
      Self.base.replacingOccurrences(of: "  epochs: 15", with: "  epochs: 15")
        + "\nsampler: lhs\ntrials_per_domain: 4\nstages: [{name: screen, epochs: 3}, {name: final, top_k: 2, replicates: 3}]"
    )
    #expect(spec.replicates(inStage: 0) == 1 && spec.replicates(inStage: 1) == 3)
    #expect(spec.resultParameterNames.suffix(2) == ["replicate", "seed"])
    let finalists = spec.makeTrials(domain: "legal", index: 0, values: [.int(4), .double(1e-3), .int(15)], stage: 1)
    #expect(finalists.count == 3 && Set(finalists.map(\.id)).count == 3)
    #expect(spec.makeTrials(domain: "legal", index: 0, values: [.int(4), .double(1e-3), .int(3)], stage: 0).count == 1)
    let bad = SpecFixtures.problems(
      Self.base
        + "\nsampler: lhs\ntrials_per_domain: 4\nstages: [{name: screen}, {name: final, top_k: 2, replicates: 0}]")
    #expect(bad.contains { $0.path == "stages[1].replicates" }, "\(bad)")
  }

  @Test func adaptiveNeedsTrialsPerDomain() {
    let text = SpecFixtures.problems(Self.base + "\nsampler: adaptive").map(\.path)
    #expect(text.contains("trials_per_domain"))
  }
}
