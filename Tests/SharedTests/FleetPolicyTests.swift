import Shared
import SpecReading
import Testing

/// The `fleet:` keys of `sweep fleet up`: providers, templates, deadline; each mistake with its place.
struct FleetProviderDecoderTests {
  @Test func providersTemplatesAndTheDeadlineAreRead() throws {
    let fleet = try SpecDecoder.decodeFleet(
      """
      name: study
      deadline: 4h
      replan_every: 2m
      groups:
        - {name: macbook, hourly_cost_usd: 0}
        - {name: cpu, provider: local, count: 3, hourly_cost_usd: 0.10}
        - {name: rtx3090, provider: runpod, count: 4, hourly_cost_usd: 0.44, gpu: NVIDIA GeForce RTX 3090, image: me/train:lorasweep}
        - {name: own, provider: command, hourly_cost_usd: 1, up: 'echo {name}', down: 'echo {id}', boot_time: 30s}
      """, file: "fleet.yaml")
    #expect(fleet.deadline == .after(.seconds(4 * 3600)) && fleet.replanEvery == .seconds(120))
    #expect(fleet.groups[0].provider == nil)
    #expect(fleet.groups[1].provider == .local && fleet.groups[1].bootTime == .zero && fleet.groups[1].upCommand == nil)
    #expect(fleet.groups[2].upCommand == FleetProvider.runpod.defaultUp)
    #expect(fleet.groups[2].downCommand == "runpodctl remove pod {id}" && fleet.groups[2].bootTime == .seconds(180))
    #expect(fleet.groups[3].upCommand == "echo {name}" && fleet.groups[3].bootTime == .seconds(30))
    let at = try SpecDecoder.decodeFleet(
      "deadline: 2026-12-03T18:00:00Z\ngroups: [{name: a, provider: local, hourly_cost_usd: 1}]", file: "f.yaml")
    #expect(at.deadline == .at(Timestamp(iso8601: "2026-12-03T18:00:00Z")!))
  }

  @Test func everyProviderMistakeIsReportedBeforeAnythingIsRented() {
    #expect {
      _ = try SpecDecoder.decodeFleet(
        """
        deadline: tomorrow
        groups:
          - {name: a, provider: runpd, hourly_cost_usd: 1}
          - {name: b, provider: local, hourly_cost_usd: 1, up: 'echo hi'}
          - {name: c, provider: command, hourly_cost_usd: 1, up: 'echo {nmae}'}
          - {name: d, provider: runpod, hourly_cost_usd: 1}
          - {name: e, hourly_cost_usd: 0, gpu: A100}
          - {name: 'f g', provider: local, hourly_cost_usd: 1}
          - {name: h, provider: vastai, hourly_cost_usd: 1, gpu: "RTX'3090", image: x}
        """, file: "fleet.yaml")
    } throws: { error in
      let text = (error as? FleetValidationError)?.description ?? ""
      return text.contains("fleet.yaml:1:") && text.contains("deadline: expected a duration")
        && text.contains("groups[0].provider: unknown provider 'runpd'; did you mean 'runpod'?")
        && text.contains("groups[1].up: the local provider starts sweep-worker on this machine itself")
        && text.contains("groups[2].up: unknown placeholder {nmae}; did you mean '{name}'?")
        && text.contains("groups[2].down: missing; provider: command needs")
        && text.contains("groups[3].gpu: missing") && text.contains("groups[3].image: missing")
        && text.contains("groups[4].gpu: only a group with a provider is started by sweep fleet up")
        && text.contains("groups[5].name: a group that sweep fleet up starts names its boxes after it")
        && text.contains("groups[6].gpu: expected letters, digits")
    }
  }

  @Test func theProvidersTemplatesNameOnlyKnownPlaceholders() {
    for provider in FleetProvider.allCases {
      for placeholder in FleetProvider.placeholders(in: provider.defaultUp ?? "") {
        #expect(FleetProvider.upPlaceholders.contains(placeholder), "\(provider): {\(placeholder)}")
      }
      for placeholder in FleetProvider.placeholders(in: provider.defaultDown ?? "") {
        #expect((FleetProvider.upPlaceholders + ["id"]).contains(placeholder), "\(provider): {\(placeholder)}")
      }
    }
    #expect(FleetProvider.fill("a {name} b {id} {name} {x}", ["name": "n", "id": "7"]) == "a n b 7 n {x}")
  }
}

/// How many boxes to run: the cheapest mix that finishes by the deadline within the budget.
struct FleetPolicyTests {
  static let groups = [
    FleetGroup(name: "laptop", count: 1, hourlyRate: HourlyRate(microDollarsPerHour: 0)),
    { () -> FleetGroup in
      var group = FleetGroup(name: "gpu", count: 2, hourlyRate: HourlyRate(microDollarsPerHour: 500_000))
      group.provider = .runpod
      group.bootTime = .seconds(180)
      return group
    }(),
    { () -> FleetGroup in
      var group = FleetGroup(name: "cpu", count: 1, hourlyRate: HourlyRate(microDollarsPerHour: 100_000))
      group.provider = .local
      return group
    }(),
  ]

  func estimate(_ counts: [String: Int], minutes: Int, cents: Int64, finishes: Bool = true) -> MixEstimate {
    let mix = FleetMix(counts)
    return MixEstimate(
      mix: mix, makespan: .seconds(minutes * 60), cost: MicroDollars(cents * 10_000), finishes: finishes,
      startDelay: mix.startDelay(from: FleetMix(), groups: Self.groups))
  }

  @Test func everyMixOfTheManagedGroupsIsEnumeratedFewestBoxesFirst() throws {
    let mixes = try #require(FleetPolicy.mixes(Self.groups))
    #expect(mixes.count == 3 * 2)  // gpu 0...2 × cpu 0...1; the laptop is not the fleet's to start
    #expect(mixes.first == FleetMix() && mixes.last == FleetMix(["gpu": 2, "cpu": 1]))
    #expect(zip(mixes, mixes.dropFirst()).allSatisfy { $0.boxes <= $1.boxes })
    var many = Self.groups[1]
    many.count = 600
    #expect(FleetPolicy.mixes([many]) == nil)
  }

  @Test func theCheapestMixThatFinishesByTheDeadlineIsChosen() {
    let estimates = [
      estimate([:], minutes: 600, cents: 0),
      estimate(["cpu": 1], minutes: 300, cents: 50),
      estimate(["gpu": 1], minutes: 100, cents: 90),
      estimate(["gpu": 2], minutes: 50, cents: 95),
    ]
    func choose(_ hours: Double?, budget cents: Int64 = 1000) -> FleetDecision {
      FleetPolicy.choose(
        estimates, current: FleetMix(), timeLeft: hours.map { .seconds(Int64($0 * 3600)) },
        budgetLeft: MicroDollars(cents * 10_000))
    }
    #expect(choose(nil).target == FleetMix())  // no deadline: the free laptop alone
    #expect(choose(6).target == FleetMix(["cpu": 1]))
    // 100 minutes of work plus the GPU's 3 minutes of boot: 1h 43m.
    #expect(choose(1.75).target == FleetMix(["gpu": 1]))
    #expect(choose(1.7).target == FleetMix(["gpu": 2]))
    let none = choose(0.5)
    #expect(none.target == FleetMix() && none.chosen == nil)
    #expect(none.reason.contains("no mix finishes by the deadline") && none.reason.contains("2 × gpu"))
    let broke = choose(1.7, budget: 94)
    #expect(broke.target == FleetMix() && broke.reason.contains("the fastest that fits the budget, 1 × gpu"))
  }

  @Test func amongNearlyEqualCostsTheMixClosestToWhatRunsIsKept() {
    let estimates = [
      estimate(["gpu": 1], minutes: 100, cents: 100),
      estimate(["gpu": 2], minutes: 50, cents: 103),
    ]
    let keep = FleetPolicy.choose(
      estimates, current: FleetMix(["gpu": 2]), timeLeft: nil, budgetLeft: MicroDollars(10_000_000))
    #expect(keep.target == FleetMix(["gpu": 2]))
    let fresh = FleetPolicy.choose(estimates, current: FleetMix(), timeLeft: nil, budgetLeft: MicroDollars(10_000_000))
    #expect(fresh.target == FleetMix(["gpu": 1]))
  }

  @Test func whatRunsChangesOnlyForARealSaving() {
    let estimates = [
      estimate(["gpu": 2], minutes: 20, cents: 100),
      estimate(["gpu": 1], minutes: 30, cents: 92),
      estimate(["cpu": 1], minutes: 50, cents: 60),
    ]
    func choose(_ current: FleetMix, hours: Double) -> FleetMix {
      FleetPolicy.choose(
        estimates, current: current, timeLeft: .seconds(Int64(hours * 3600)), budgetLeft: MicroDollars(10_000_000)
      ).target
    }
    // One GPU less saves 8%: the last waves' idle time, not worth stopping a busy box for.
    #expect(choose(FleetMix(["gpu": 2]), hours: 0.75) == FleetMix(["gpu": 2]))
    // The slow cheap box saves 40% once the deadline allows it: the GPUs are given back.
    #expect(choose(FleetMix(["gpu": 2]), hours: 1) == FleetMix(["cpu": 1]))
    // Nothing runs yet: simply the cheapest.
    #expect(choose(FleetMix(), hours: 0.75) == FleetMix(["gpu": 1]))
    // One GPU that makes it is not joined by a second, however the last waves' idle time prices it.
    let cheaperWithTwo = [estimate(["gpu": 1], minutes: 40, cents: 100), estimate(["gpu": 2], minutes: 20, cents: 70)]
    #expect(
      FleetPolicy.choose(
        cheaperWithTwo, current: FleetMix(["gpu": 1]), timeLeft: .seconds(3600), budgetLeft: MicroDollars(10_000_000)
      ).target == FleetMix(["gpu": 1]))
  }

  @Test func nearTheDeadlineRunningBoxesAreKeptRatherThanStoppedAndRentedAgain() {
    let estimates = [
      estimate(["cpu": 1], minutes: 57, cents: 10),
      estimate(["cpu": 1, "gpu": 1], minutes: 30, cents: 20),
    ]
    // 57 minutes of a 60-minute deadline: enough to rent one box, not to stop one for.
    let growing = FleetPolicy.choose(
      estimates, current: FleetMix(["cpu": 1]), timeLeft: .seconds(3600), budgetLeft: MicroDollars(1_000_000))
    #expect(growing.target == FleetMix(["cpu": 1]))
    let shrinking = FleetPolicy.choose(
      estimates, current: FleetMix(["cpu": 1, "gpu": 1]), timeLeft: .seconds(3600),
      budgetLeft: MicroDollars(1_000_000))
    #expect(shrinking.target == FleetMix(["cpu": 1, "gpu": 1]), "\(shrinking.reason)")
  }

  @Test func aSweepUnderWayThatCannotMakeItsDeadlineFinishesAsSoonAsTheBudgetAllows() {
    let estimates = [
      estimate([:], minutes: 0, cents: 0, finishes: false),
      estimate(["cpu": 1], minutes: 30, cents: 10),
      estimate(["gpu": 2], minutes: 10, cents: 40),
      estimate(["gpu": 2, "cpu": 1], minutes: 8, cents: 200),
    ]
    func choose(_ current: FleetMix) -> FleetDecision {
      FleetPolicy.choose(estimates, current: current, timeLeft: .seconds(60), budgetLeft: MicroDollars(500_000))
    }
    // Before anything runs: nothing is rented for a sweep that cannot make its deadline.
    #expect(choose(FleetMix()).target == FleetMix())
    // Under way: the fastest mix the $0.50 pays for, not a stranded sweep.
    let underWay = choose(FleetMix(["cpu": 1]))
    #expect(underWay.target == FleetMix(["gpu": 2]), "\(underWay.reason)")
    #expect(underWay.reason.contains("the sweep is under way, so the fastest the budget pays for: 2 × gpu"))
  }

  @Test func aMixThatDoesNotFinishIsNeverChosen() {
    let decision = FleetPolicy.choose(
      [estimate(["cpu": 1], minutes: 10, cents: 1, finishes: false)], current: FleetMix(), timeLeft: nil,
      budgetLeft: MicroDollars(1_000_000))
    #expect(decision.target == FleetMix() && decision.reason.contains("finishes the rest of the sweep"))
  }
}

/// The boxes of one `sweep fleet up` as a value: which to start and stop, and what each outcome does.
struct FleetStateTests {
  let t0 = Timestamp(milliseconds: 1_800_000_000_000)

  @Test func reconcileStartsNamedBoxesAndStopsTheNewestRentedFirst() {
    var state = FleetState(fleetName: "f")
    let first = state.reconcile(target: FleetMix(["gpu": 2]), now: t0)
    #expect(first.map(\.boxName) == ["f-gpu-1", "f-gpu-2"] && first.allSatisfy(\.isUp))
    state.upSucceeded("f-gpu-1", id: "pod-1")
    // Nothing changes while the plan holds; a box still being rented is counted.
    #expect(state.reconcile(target: FleetMix(["gpu": 2]), now: t0 + .seconds(1)).isEmpty)
    state.upSucceeded("f-gpu-2", id: "pod-2")
    let third = state.reconcile(target: FleetMix(["gpu": 3]), now: t0 + .seconds(60))
    #expect(third.map(\.boxName) == ["f-gpu-3"])
    state.upSucceeded("f-gpu-3", id: "pod-3")
    let shrink = state.reconcile(target: FleetMix(["gpu": 1]), now: t0 + .seconds(120))
    #expect(shrink.map(\.boxName) == ["f-gpu-3", "f-gpu-2"] && shrink.allSatisfy { !$0.isUp })
    #expect(state.active == FleetMix(["gpu": 1]))
    // A failed down leaves the box rented, so the next plan stops it again.
    state.stopped("f-gpu-3", succeeded: false)
    state.stopped("f-gpu-2")
    #expect(state.active == FleetMix(["gpu": 2]))
    #expect(state.reconcile(target: FleetMix(["gpu": 1]), now: t0 + .seconds(180)).map(\.boxName) == ["f-gpu-3"])
    state.stopped("f-gpu-3")
    #expect(state.stopAll().map(\.boxName) == ["f-gpu-1"])
    state.stopped("f-gpu-1")
    #expect(state.unfinished.isEmpty)
  }

  @Test func aBoxWithoutALeaseStopsBeforeABusyOne() {
    var state = FleetState(fleetName: "f")
    _ = state.reconcile(target: FleetMix(["cpu": 3]), now: t0)
    for index in 1...3 { state.upSucceeded("f-cpu-\(index)", id: nil) }
    let stops = state.reconcile(target: FleetMix(["cpu": 1]), now: t0, busy: ["f-cpu-3", "f-cpu-1"])
    #expect(stops.map(\.boxName) == ["f-cpu-2", "f-cpu-3"])
  }

  @Test func aGroupWhoseUpKeepsFailingIsLeftOut() {
    var state = FleetState(fleetName: "f")
    for attempt in 1...FleetState.maxFailures {
      let actions = state.reconcile(target: FleetMix(["gpu": 1]), now: t0 + .seconds(Int64(attempt)))
      #expect(actions.map(\.boxName) == ["f-gpu-\(attempt)"])
      state.upFailed("f-gpu-\(attempt)")
    }
    #expect(state.brokenGroups == ["gpu"] && state.unfinished.isEmpty)
    // A box that was being rented when the plan shrank is not stopped before it has an id.
    var other = FleetState(fleetName: "f")
    _ = other.reconcile(target: FleetMix(["cpu": 1]), now: t0)
    #expect(other.reconcile(target: FleetMix(), now: t0).isEmpty)
    other.upSucceeded("f-cpu-1", id: nil)
    #expect(other.reconcile(target: FleetMix(), now: t0).map(\.boxName) == ["f-cpu-1"])
  }
}

extension FleetAction {
  var boxName: String {
    switch self {
    case .up(let box), .down(let box): box.name
    }
  }
  var isUp: Bool {
    if case .up = self { return true }
    return false
  }
}
