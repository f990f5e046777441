import Shared
import SpecReading
import Testing

/// The engine's decisions on constructed sweeps: no I/O, no clock.
@Suite struct StrategyEngineTests {
  static func spec(_ keys: String, domains: String = "[financial, legal]") throws -> SweepSpec {
    try SpecFixtures.decode(
      """
      name: e
      domains: \(domains)
      seed: 5
      \(keys)
      space:
        rank: [1, 2, 4, 8, 16]
        alpha: [2, 4, 8, 16]
        epochs: 15
      command: [train, "{rank}", "{alpha}", "{epochs}"]
      """)
  }

  /// The sampled trials of a spec, every one finished with `objective(values)` unless `open` says otherwise.
  static func trials(
    _ spec: SweepSpec, state: (String) -> TrialState = { _ in .succeeded },
    objective: ([ParameterValue]) -> Double = { Double($0[0].numeric! + $0[1].numeric!) }
  ) -> [StrategyTrial] {
    spec.domains.flatMap { domain in
      DomainSampler.sample(spec, domain: domain).trials.map { trial in
        let values = trial.params.map(\.value)
        let finished = state(domain)
        return StrategyTrial(
          id: trial.id, domain: domain, values: values, stage: 0, origin: .sampled, state: finished,
          objective: finished == .succeeded ? objective(values) : nil, seconds: 60)
      }
    }
  }

  @Test func finishedScreenPromotesItsTopKWithTheFinalStagesOverrides() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]",
      domains: "[financial]")
    let trials = Self.trials(spec)
    let decisions = StrategyEngine(spec: spec).advance(trials: trials)
    let best = trials.sorted { $0.objective! > $1.objective! }.prefix(2)
    #expect(decisions.count == 2)
    for (decision, trial) in zip(decisions, best) {
      guard case .enqueue(let domain, let values, let stage, let origin) = decision else {
        Issue.record("expected an enqueue, got \(decision)")
        continue
      }
      #expect(domain == "financial" && stage == 1 && origin == .promoted)
      #expect(Array(values.prefix(2)) == Array(trial.values.prefix(2)))
      #expect(values[2] == .int(15))
    }
  }

  @Test func aScreenWithATrialStillRunningPromotesNothing() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]",
      domains: "[financial]")
    var trials = Self.trials(spec)
    trials[3].state = .leased
    trials[3].objective = nil
    #expect(StrategyEngine(spec: spec).advance(trials: trials).isEmpty)
  }

  /// The trials the engine's decisions add, appended as they would be stored, in `state`.
  static func apply(
    _ decisions: [StrategyDecision], to trials: inout [StrategyTrial], state: TrialState, objective: Double? = nil
  ) {
    for case .enqueue(let domain, let values, let stage, let origin) in decisions {
      trials.append(
        StrategyTrial(
          id: "t\(trials.count)", domain: domain, values: values, stage: stage, origin: origin, state: state,
          objective: objective, seconds: objective == nil ? nil : 60))
    }
  }

  @Test func promotionHappensOnce() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]",
      domains: "[financial]")
    var trials = Self.trials(spec)
    Self.apply(StrategyEngine(spec: spec).advance(trials: trials), to: &trials, state: .pending)
    #expect(trials.filter { $0.stage == 1 }.count == 2)
    #expect(StrategyEngine(spec: spec).advance(trials: trials).isEmpty)
  }

  @Test func aScreenGrownByAnExtensionPromotesANewcomerThatMadeItsTopK() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\nstages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 2}]",
      domains: "[financial]")
    var trials = Self.trials(spec)
    Self.apply(StrategyEngine(spec: spec).advance(trials: trials), to: &trials, state: .succeeded, objective: 40)
    // An extension's screen trial beats every earlier one: it alone goes on to the final stage.
    let newcomer: [ParameterValue] = [.int(16), .int(16), .int(3)]
    var grown = trials
    grown.append(
      StrategyTrial(
        id: "x", domain: "financial", values: newcomer, stage: 0, origin: .sampled, state: .leased, objective: nil,
        seconds: nil))
    #expect(StrategyEngine(spec: spec).advance(trials: grown).isEmpty)  // not before the screen is done again
    grown[grown.count - 1].state = .succeeded
    grown[grown.count - 1].objective = 100
    let decisions = StrategyEngine(spec: spec).advance(trials: grown)
    #expect(
      decisions == [.enqueue(domain: "financial", values: [.int(16), .int(16), .int(15)], stage: 1, origin: .promoted)])
  }

  @Test func aTransferTargetWaitsForItsSourceThenRunsTheSourcesBestFirst() throws {
    let spec = try Self.spec("sampler: lhs\ntrials_per_domain: 6\ntransfer: {from: financial, top_k: 2}")
    // Source still running: the held target stays held.
    let running = Self.trials(spec, state: { $0 == "financial" ? .leased : .waiting })
    #expect(StrategyEngine(spec: spec).advance(trials: running).isEmpty)
    // Source finished: its two best go to the target, then the target is released.
    let done = Self.trials(spec, state: { $0 == "financial" ? .succeeded : .waiting })
    #expect(done.filter { $0.domain == "legal" }.count == 4)
    let decisions = StrategyEngine(spec: spec).advance(trials: done)
    let best = done.filter { $0.domain == "financial" }.sorted { $0.objective! > $1.objective! }.prefix(2).map(\.values)
    #expect(
      decisions == best.map { .enqueue(domain: "legal", values: $0, stage: 0, origin: .transferred) } + [
        .release(domain: "legal")
      ])
  }

  /// legal's own trials scored `own`, its transferred ones `transferred`; financial finished as usual.
  static func transferredTrials(_ spec: SweepSpec, own: Double, transferred: Double) -> [StrategyTrial] {
    var trials = Self.trials(spec).map { trial -> StrategyTrial in
      var trial = trial
      if trial.domain == "legal" { trial.objective = own }
      return trial
    }
    let best = trials.filter { $0.domain == "financial" }.sorted { $0.objective! > $1.objective! }.prefix(2)
    for source in best {
      trials.append(
        StrategyTrial(
          id: "t\(trials.count)", domain: "legal", values: source.values, stage: 0, origin: .transferred,
          state: .succeeded, objective: transferred, seconds: 60))
    }
    return trials
  }

  @Test func aTargetWhereTheTransferDidNotHoldGetsItsRefinementTrialsOnce() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\ntransfer: {from: financial, top_k: 2, refine_if_worse_by: 1, refine_trials: 4}"
    )
    // Transferred best 20 against legal's own 30: short by 10, more than the margin of 1.
    let trials = Self.transferredTrials(spec, own: 30, transferred: 20)
    let decisions = StrategyEngine(spec: spec).advance(trials: trials)
    let tried = Set(trials.filter { $0.domain == "legal" }.map { $0.values.map(\.canonical) })
    #expect(!decisions.isEmpty && decisions.count <= 4)
    for decision in decisions {
      guard case .enqueue("legal", let values, 0, .refined) = decision else {
        Issue.record("expected a refinement trial in legal, got \(decision)")
        continue
      }
      #expect(!tried.contains(values.map(\.canonical)))
    }
    // Deterministic, and once: with its refinement queued the domain gets no more.
    #expect(StrategyEngine(spec: spec).advance(trials: trials) == decisions)
    var refined = trials
    Self.apply(decisions, to: &refined, state: .succeeded, objective: 5)
    #expect(StrategyEngine(spec: spec).advance(trials: refined).isEmpty)
  }

  @Test func aTransferWithinTheMarginOrStillRunningAsksForNothing() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 6\ntransfer: {from: financial, top_k: 2, refine_if_worse_by: 1, refine_trials: 4}"
    )
    #expect(
      StrategyEngine(spec: spec).advance(trials: Self.transferredTrials(spec, own: 30, transferred: 29.5)).isEmpty)
    var running = Self.transferredTrials(spec, own: 30, transferred: 20)
    let index = running.firstIndex { $0.domain == "legal" && $0.origin == .sampled }!
    running[index].state = .leased
    #expect(StrategyEngine(spec: spec).advance(trials: running).isEmpty)
  }

  @Test func withNoTrialsOfItsOwnATargetIsJudgedAgainstTheSourcesBest() throws {
    let spec = try Self.spec(
      "sampler: lhs\ntrials_per_domain: 2\ntransfer: {from: financial, top_k: 2, refine_if_worse_by: 1, refine_trials: 3}"
    )
    let trials = Self.transferredTrials(spec, own: 0, transferred: 1)
    #expect(!trials.contains { $0.domain == "legal" && $0.origin == .sampled })
    let decisions = StrategyEngine(spec: spec).advance(trials: trials)
    #expect(
      !decisions.isEmpty
        && decisions.allSatisfy {
          if case .enqueue("legal", _, 0, .refined) = $0 { true } else { false }
        })
    let verdict = try #require(
      TransferVerdict(transferred: [1], own: [], source: [12, 20], margin: 1, goal: .maximize))
    #expect(verdict.reference == .source && verdict.shortfall == 19 && !verdict.held)
    let minimizing = try #require(
      TransferVerdict(transferred: [0.30], own: [0.25], source: [], margin: 0.02, goal: .minimize))
    #expect(minimizing.reference == .own && abs(minimizing.shortfall - 0.05) < 1e-12 && !minimizing.held)
  }

  @Test func adaptiveProposesUpToParallelNewConfigurationsUntilTheTotal() throws {
    let spec = try Self.spec(
      "sampler: adaptive\ntrials_per_domain: 8\nadaptive: {initial: lhs, initial_trials: 4, parallel: 3}",
      domains: "[financial]")
    let trials = Self.trials(spec)
    #expect(trials.count == 4)
    let decisions = StrategyEngine(spec: spec).advance(trials: trials)
    #expect(decisions.count == 3)
    let tried = Set(trials.map { $0.values.map(\.canonical) })
    var proposed = Set<[String]>()
    for decision in decisions {
      guard case .enqueue(_, let values, 0, .proposed) = decision else {
        Issue.record("expected a proposal, got \(decision)")
        continue
      }
      #expect(!tried.contains(values.map(\.canonical)))
      #expect(proposed.insert(values.map(\.canonical)).inserted)
    }
    // The objective grows with rank and alpha: the model should look at the large end.
    let ranks = decisions.compactMap { decision -> Double? in
      if case .enqueue(_, let values, _, _) = decision { return values[0].numeric } else { return nil }
    }
    #expect(ranks.contains { $0 >= 8 }, "\(ranks)")
    // With the total reached, nothing more.
    var full = trials
    for (index, decision) in decisions.enumerated() {
      guard case .enqueue(let domain, let values, _, _) = decision else { continue }
      full.append(
        StrategyTrial(
          id: "p\(index)", domain: domain, values: values, stage: 0, origin: .proposed, state: .succeeded,
          objective: 1, seconds: 60))
    }
    full.append(
      StrategyTrial(
        id: "p9", domain: "financial", values: [.int(16), .int(16), .int(15)], stage: 0, origin: .proposed,
        state: .succeeded, objective: 1, seconds: 60))
    #expect(full.count == 8)
    #expect(StrategyEngine(spec: spec).advance(trials: full).isEmpty)
  }

  @Test func ashaStopsTrialsOutsideTheBestThirdOnceARungHasEnoughPeers() {
    let asha = ASHA(
      EarlyStopping(metric: "accuracy", goal: .maximize, minEpochs: 1, reductionFactor: 3, minTrialsPerRung: 3))
    #expect(asha.rungs(maxEpochs: 15) == [1, 3, 9])
    #expect(asha.rungs(maxEpochs: 9) == [1, 3])
    #expect(asha.rung(reachedAt: 4.5, maxEpochs: 15) == 3)
    #expect(asha.rung(reachedAt: 0.5, maxEpochs: 15) == nil)
    // Too few peers: everybody goes on.
    #expect(asha.decide(value: 0.1, rung: 1, peers: [0.9]) == .proceed)
    // Three values, keep one: only the best goes on; a tie goes the trial's way.
    #expect(asha.decide(value: 0.5, rung: 1, peers: [0.9, 0.1]) == .stop(rung: 1, rank: 2, of: 3, kept: 1))
    #expect(asha.decide(value: 0.9, rung: 1, peers: [0.9, 0.1]) == .proceed)
    // Six values keep two.
    #expect(asha.decide(value: 0.8, rung: 3, peers: [0.9, 0.1, 0.2, 0.3, 0.4]) == .proceed)
    let minimizing = ASHA(
      EarlyStopping(metric: "loss", goal: .minimize, minEpochs: 2, reductionFactor: 2, minTrialsPerRung: 2))
    #expect(minimizing.rungs(maxEpochs: 10) == [2, 4, 8])
    #expect(minimizing.decide(value: 0.1, rung: 2, peers: [0.5]) == .proceed)
    #expect(minimizing.decide(value: 0.5, rung: 2, peers: [0.1]) == .stop(rung: 2, rank: 2, of: 2, kept: 1))
  }
}

@Suite struct StrategyWarmStartTests {
  @Test func aWarmStartLetsTheSamplerProposeFromAnotherDomainsResults() throws {
    let spec = try StrategyEngineTests.spec(
      "sampler: adaptive\ntrials_per_domain: 4\nadaptive: {initial: lhs, initial_trials: 1, parallel: 2}",
      domains: "[legal]")
    let one = StrategyEngineTests.trials(spec, objective: { $0[0].numeric! / 16 })
    #expect(one.count == 1)
    // One result of its own is not enough to model anything.
    #expect(StrategyEngine(spec: spec).advance(trials: one).isEmpty)
    // An earlier sweep's financial results, where large ranks won, are.
    let history = [1, 2, 4, 8, 16].flatMap { rank in
      [2, 16].map { alpha in
        AdaptiveProposer.Observation(
          values: [.int(Int64(rank)), .int(Int64(alpha)), .int(15)], domain: "financial", objective: Double(rank) / 16,
          seconds: 60)
      }
    }
    let decisions = StrategyEngine(spec: spec).advance(trials: one, history: history)
    #expect(decisions.count == 2)
    for case .enqueue("legal", let values, 0, .proposed) in decisions {
      #expect((values[0].numeric ?? 0) >= 8, "\(values)")
    }
  }

  @Test func prunedTrialsTrainTheSurrogateAtTheirDomainsMedianNotTheirEarlyValue() throws {
    let spec = try StrategyEngineTests.spec(
      "sampler: adaptive\ntrials_per_domain: 8\nadaptive: {initial: lhs, initial_trials: 4, parallel: 1}",
      domains: "[financial]")
    var trials = StrategyEngineTests.trials(spec)
    trials[0].state = .pruned
    trials[0].objective = 0.01
    let observations = StrategyEngine(spec: spec).surrogateObservations(trials)
    let completed = trials.dropFirst().compactMap(\.objective).sorted()
    #expect(observations.count == 4)
    #expect(observations[0].objective == completed[1])
    #expect(observations[0].seconds == nil)
  }
}
