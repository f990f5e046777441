import Coordinator
import Shared

/// `sweep fleet up`'s planner: simulates the rest of a sweep on every mix of boxes the fleet may
/// rent — the coordinator's own scheduler on virtual time, as `sweep plan` does — and lets
/// ``FleetPolicy`` choose.
public struct FleetPlanner: Sendable {
  /// Where the sweep stands, as the coordinator reports it.
  public struct Situation: Sendable {
    /// Trials still to finish: open now, plus those later stages will add.
    public var remainingTrials: Int
    public var budgetLeft: MicroDollars
    /// Until the deadline; nil: none.
    public var timeLeft: Duration?
    /// Mean duration of one trial on a group's boxes, measured by this sweep.
    public var measured: [String: Duration]
    /// The boxes rented now.
    public var current: FleetMix
    /// Groups the policy must leave out (their `up` kept failing).
    public var excluded: Set<String>

    public init(
      remainingTrials: Int, budgetLeft: MicroDollars, timeLeft: Duration?, measured: [String: Duration] = [:],
      current: FleetMix = FleetMix(), excluded: Set<String> = []
    ) {
      self.remainingTrials = remainingTrials
      self.budgetLeft = budgetLeft
      self.timeLeft = timeLeft
      self.measured = measured
      self.current = current
      self.excluded = excluded
    }
  }

  public struct Plan: Sendable {
    public var decision: FleetDecision
    public var estimates: [MixEstimate]
  }

  public enum PlanError: Error, CustomStringConvertible {
    case tooManyMixes(Int)
    public var description: String {
      switch self {
      case .tooManyMixes(let limit):
        "the fleet's groups allow more than \(limit) mixes of boxes (each is a simulation); lower some group's count"
      }
    }
  }

  public let spec: SweepSpec
  public let fleet: FleetSpec
  public let policy: LeasePolicy

  public init(spec: SweepSpec, fleet: FleetSpec, policy: LeasePolicy) {
    self.spec = spec
    self.fleet = fleet
    self.policy = policy
  }

  public func plan(_ situation: Situation) async throws -> Plan {
    let groups = fleet.groups.map { group in
      var group = group
      if let measured = situation.measured[group.name] { group.trialDuration = measured }
      if situation.excluded.contains(group.name) { group.count = 0 }
      return group
    }
    guard let mixes = FleetPolicy.mixes(groups.filter { $0.count > 0 || $0.provider == nil }) else {
      throw PlanError.tooManyMixes(512)
    }
    let rest = Self.remainder(of: spec, trials: situation.remainingTrials, budget: situation.budgetLeft)
    var estimates: [MixEstimate] = []
    for mix in mixes {
      // Machines the user runs themselves work in every mix; the fleet's own, as the mix says.
      let machines = groups.compactMap { group -> FleetGroup? in
        var group = group
        if group.provider != nil { group.count = mix[group.name] }
        return group.count > 0 ? group : nil
      }
      let delay = mix.startDelay(from: situation.current, groups: groups)
      guard !machines.isEmpty, situation.remainingTrials > 0 else {
        estimates.append(
          MixEstimate(
            mix: mix, makespan: .zero, cost: .zero, finishes: situation.remainingTrials == 0, startDelay: delay))
        continue
      }
      var simulated = fleet
      simulated.groups = machines
      simulated.name = mix.description
      let report = try await FleetSimulator(spec: rest, fleet: simulated, policy: policy).run()
      // A new box bills its boot too (from `up` until its worker works), which the simulation,
      // starting with the boxes ready, does not see.
      let boots = groups.reduce(MicroDollars.zero) { total, group in
        let added = max(0, mix[group.name] - situation.current[group.name])
        let boot = group.hourlyRate.cost(of: group.bootTime * added)
        return total.adding(boot) ?? total
      }
      estimates.append(
        MixEstimate(
          mix: mix, makespan: report.makespan, cost: report.billed.adding(boots) ?? report.billed,
          finishes: report.unfinished == 0 && report.succeeded + report.failed >= report.trials, startDelay: delay))
    }
    let decision = FleetPolicy.choose(
      estimates, current: situation.current, timeLeft: situation.timeLeft, budgetLeft: situation.budgetLeft)
    return Plan(decision: decision, estimates: estimates)
  }

  /// The rest of `spec` as a sweep of its own: `trials` plain trials of the same estimate and price
  /// under `budget`. Stages, transfer and early stopping have already shaped what is left (the
  /// count includes the trials later stages will add), so the simulation only needs how many and
  /// how long; one continuous parameter keeps every trial distinct.
  static func remainder(of spec: SweepSpec, trials: Int, budget: MicroDollars) -> SweepSpec {
    var rest = spec
    rest.domains = ["rest"]
    rest.sampler = .random
    rest.trialsPerDomain = max(1, trials)
    rest.maxTrials = max(spec.maxTrials, trials)
    rest.space = [Parameter(name: "x", kind: .uniform(lower: 0, upper: 1, gridPoints: nil))]
    rest.stages = []
    rest.earlyStopping = nil
    rest.transfer = nil
    rest.adaptive = nil
    rest.replicates = 1
    rest.extensions = []
    rest.budget = budget
    return rest
  }
}
