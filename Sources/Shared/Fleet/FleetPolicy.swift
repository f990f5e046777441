/// How many boxes of each group `sweep fleet up` runs (groups it manages only).
public struct FleetMix: Hashable, Sendable, CustomStringConvertible {
  public var counts: [String: Int]

  public init(_ counts: [String: Int] = [:]) { self.counts = counts.filter { $0.value > 0 } }

  public subscript(group: String) -> Int { counts[group] ?? 0 }
  public var boxes: Int { counts.values.reduce(0, +) }

  /// "2 × rtx3090 + 1 × a100", or "no rented box".
  public var description: String {
    counts.isEmpty
      ? "no box" : counts.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: " + ")
  }

  /// Boxes added or removed to go from `other` to this mix.
  public func distance(from other: FleetMix) -> Int {
    Set(counts.keys).union(other.counts.keys).reduce(0) { $0 + abs(self[$1] - other[$1]) }
  }

  /// How long until the boxes this mix adds to `current` can work: the longest boot time among
  /// the groups that grow.
  public func startDelay(from current: FleetMix, groups: [FleetGroup]) -> Duration {
    groups.filter { self[$0.name] > current[$0.name] }.map(\.bootTime).max() ?? .zero
  }
}

/// What the simulator said of one mix, for the rest of the sweep.
public struct MixEstimate: Hashable, Sendable {
  public var mix: FleetMix
  /// From when the boxes can work to the last result.
  public var makespan: Duration
  /// The whole bill of the rest of the sweep on this mix (leases and paid idle time).
  public var cost: MicroDollars
  /// Every remaining trial finished (the budget did not stop it, and some machine ran it).
  public var finishes: Bool
  /// Boot time of the boxes the mix adds (``FleetMix/startDelay(from:groups:)``).
  public var startDelay: Duration

  public init(mix: FleetMix, makespan: Duration, cost: MicroDollars, finishes: Bool, startDelay: Duration = .zero) {
    self.mix = mix
    self.makespan = makespan
    self.cost = cost
    self.finishes = finishes
    self.startDelay = startDelay
  }

  /// When the sweep would be done, counted from now.
  public var finishedIn: Duration { startDelay + makespan }
}

/// The policy's answer: the mix to run and why.
public struct FleetDecision: Hashable, Sendable {
  public var target: FleetMix
  /// The estimate of the chosen mix; nil when no mix qualified (then ``target`` is empty).
  public var chosen: MixEstimate?
  public var reason: String

  public init(target: FleetMix, chosen: MixEstimate?, reason: String) {
    self.target = target
    self.chosen = chosen
    self.reason = reason
  }
}

/// Which boxes to rent: the cheapest mix that the simulator says finishes the rest of the sweep by
/// the deadline within what is left of the budget. When no mix does: none before anything runs
/// (nothing is rented for a sweep that cannot make it), and once boxes run, the fastest mix the
/// budget pays for (the deadline is then missed by the least; a sweep under way is not stranded).
public enum FleetPolicy {
  /// Mixes whose cost is within this fraction of the cheapest count as equally cheap; among them
  /// the policy keeps closest to what runs (so that noise in measured durations does not rent and
  /// stop boxes back and forth).
  public static let tolerance = 0.05
  /// A mix with fewer boxes than run now must finish this fraction of the time left earlier than
  /// the deadline: near the boundary the fleet keeps its boxes instead of stopping one and
  /// renting it again a plan later.
  public static let shrinkMargin = 0.1
  /// What runs is changed (while it still finishes in time) only for a mix of no more boxes that
  /// costs this fraction less.
  public static let switchSaving = 0.1

  /// Every mix of 0 to `count` boxes of each group with a provider, fewest boxes first. Nil when
  /// there are more than `limit` (each is one simulation).
  public static func mixes(_ groups: [FleetGroup], limit: Int = 512) -> [FleetMix]? {
    var all = [FleetMix()]
    for group in groups where group.provider != nil {
      guard all.count * (group.count + 1) <= limit else { return nil }
      all = all.flatMap { mix in
        (0...group.count).map { count in
          var counts = mix.counts
          counts[group.name] = count
          return FleetMix(counts)
        }
      }
    }
    return all.sorted { ($0.boxes, $0.description) < ($1.boxes, $1.description) }
  }

  /// The mix to run, given every mix's estimate: cheapest among those that finish within
  /// `budgetLeft` and by `timeLeft` (nil: no deadline); within ``tolerance`` of the cheapest, the
  /// one closest to `current`, then the faster, then the fewer boxes. `current` is kept while it
  /// finishes in time, unless fewer boxes save ``switchSaving``.
  public static func choose(
    _ estimates: [MixEstimate], current: FleetMix, timeLeft: Duration?, budgetLeft: MicroDollars
  ) -> FleetDecision {
    let affordable = estimates.filter { $0.finishes && $0.cost <= budgetLeft }
    let feasible = affordable.filter { estimate in
      guard let timeLeft else { return true }
      let shrinks = current.counts.contains { estimate.mix[$0.key] < $0.value }
      return estimate.finishedIn <= (shrinks ? timeLeft * (1 - shrinkMargin) : timeLeft)
    }
    guard let cheapest = feasible.map(\.cost).min() else {
      let why = whyNone(estimates, affordable: affordable, timeLeft: timeLeft, budgetLeft: budgetLeft)
      if current.boxes > 0, let fastest = affordable.min(by: { ($0.finishedIn, $0.cost) < ($1.finishedIn, $1.cost) }) {
        return FleetDecision(
          target: fastest.mix, chosen: fastest,
          reason:
            "\(why.replacing("renting nothing: ", with: "")); the sweep is under way, so the fastest the budget pays for: \(fastest.mix), done in \(DurationText.approximate(seconds: fastest.finishedIn.secondsDouble)) for $\(fastest.cost.decimalString)"
        )
      }
      return FleetDecision(target: FleetMix(), chosen: nil, reason: why)
    }
    let margin = Int64((Double(cheapest.value) * tolerance).rounded(.up))
    let near = feasible.filter { $0.cost.value <= cheapest.value + margin }
    var best = near.min { a, b in
      (a.mix.distance(from: current), a.cost.value, a.finishedIn, a.mix.boxes)
        < (b.mix.distance(from: current), b.cost.value, b.finishedIn, b.mix.boxes)
    }!
    // What runs still makes it: rent no more boxes, and change only for a real saving. Busy
    // boxes cost the same per trial whatever their number, so smaller differences are the last
    // waves' idle time (noise that flips as trials finish), a new box bills its boot, and
    // stopping a busy box throws its trial's work away.
    if current.boxes > 0, let here = feasible.first(where: { $0.mix == current }),
      best.mix.boxes > current.boxes || Double(best.cost.value) > Double(here.cost.value) * (1 - switchSaving)
    {
      best = here
    }
    let deadline = timeLeft.map { " (deadline in \(DurationText.approximate(seconds: $0.secondsDouble)))" } ?? ""
    return FleetDecision(
      target: best.mix, chosen: best,
      reason:
        "\(best.mix) finishes in \(DurationText.approximate(seconds: best.finishedIn.secondsDouble))\(deadline) for $\(best.cost.decimalString) of the $\(budgetLeft.decimalString) left"
    )
  }

  static func whyNone(
    _ estimates: [MixEstimate], affordable: [MixEstimate], timeLeft: Duration?, budgetLeft: MicroDollars
  ) -> String {
    if let timeLeft, let fastest = affordable.min(by: { $0.finishedIn < $1.finishedIn }) {
      return
        "renting nothing: no mix finishes by the deadline (in \(DurationText.approximate(seconds: timeLeft.secondsDouble))) within the $\(budgetLeft.decimalString) left; the fastest that fits the budget, \(fastest.mix), takes \(DurationText.approximate(seconds: fastest.finishedIn.secondsDouble))"
    }
    if let cheapest = estimates.filter(\.finishes).min(by: { $0.cost < $1.cost }) {
      return
        "renting nothing: no mix finishes within the $\(budgetLeft.decimalString) left; the cheapest that finishes, \(cheapest.mix), costs $\(cheapest.cost.decimalString)"
    }
    return
      "renting nothing: no mix of the fleet's groups finishes the rest of the sweep within the $\(budgetLeft.decimalString) left"
  }
}
