/// One box `sweep fleet up` rented: named `FLEET-GROUP-N`, the name its worker registers with.
public struct FleetBox: Hashable, Sendable {
  public enum State: String, Hashable, Sendable {
    /// `up` is running.
    case starting
    /// `up` succeeded: the box is rented (its worker may still be booting).
    case running
    /// `down` is running.
    case stopping
    /// Given back: `down` succeeded, or the box's worker exited by itself.
    case stopped
    /// `up` failed: nothing was rented.
    case failed
  }

  public var name: String
  public var group: String
  public var state: State
  /// What `up` printed last: the provider's id of the box (`{id}` in `down`).
  public var id: String?
  public var startedAt: Timestamp

  public init(name: String, group: String, state: State, id: String? = nil, startedAt: Timestamp) {
    self.name = name
    self.group = group
    self.state = state
    self.id = id
    self.startedAt = startedAt
  }

  /// Counts toward the group's boxes (rented or being rented).
  public var isActive: Bool { state == .starting || state == .running }
}

/// What the caller does for the fleet: the I/O of ``FleetState``.
public enum FleetAction: Hashable, Sendable {
  case up(FleetBox)
  case down(FleetBox)
}

/// The boxes of one `sweep fleet up`, as a value: ``reconcile(target:now:)`` says which to start and
/// stop to reach a mix, and the caller reports how each `up` and `down` went. Nothing here runs a
/// command, so the rules are tested without I/O.
public struct FleetState: Sendable {
  public let fleetName: String
  public private(set) var boxes: [FleetBox] = []
  private var nextIndex: [String: Int] = [:]
  /// `up` failures in a row per group; a group that failed ``maxFailures`` times is left out.
  public private(set) var failures: [String: Int] = [:]
  public static let maxFailures = 3

  public init(fleetName: String) { self.fleetName = fleetName }

  /// Boxes rented or being rented, per group.
  public var active: FleetMix {
    FleetMix(Dictionary(grouping: boxes.filter(\.isActive), by: \.group).mapValues(\.count))
  }

  /// Groups whose `up` failed ``maxFailures`` times in a row: the policy plans without them.
  public var brokenGroups: Set<String> { Set(failures.filter { $0.value >= Self.maxFailures }.keys) }

  /// Boxes that still cost money or may: rented, being rented, being given back.
  public var unfinished: [FleetBox] { boxes.filter { $0.state != .stopped && $0.state != .failed } }

  /// Starts and stops boxes toward `target`: new boxes for a group below it; above it, rented
  /// boxes whose worker holds no lease stop first (stopping a busy one throws away its trial's
  /// work so far), then the newest. A box still being rented has no id to stop yet; the next plan
  /// sees it. `busy`: names of the boxes whose worker holds a lease.
  public mutating func reconcile(target: FleetMix, now: Timestamp, busy: Set<String> = []) -> [FleetAction] {
    var actions: [FleetAction] = []
    let groups = Set(target.counts.keys).union(boxes.filter(\.isActive).map(\.group)).sorted()
    for group in groups {
      let active = boxes.indices.filter { boxes[$0].group == group && boxes[$0].isActive }
      let wanted = target[group]
      if active.count < wanted {
        for _ in active.count..<wanted {
          let index = nextIndex[group, default: 1]
          nextIndex[group] = index + 1
          let box = FleetBox(name: "\(fleetName)-\(group)-\(index)", group: group, state: .starting, startedAt: now)
          boxes.append(box)
          actions.append(.up(box))
        }
      } else if active.count > wanted {
        // Idle first; then newest: the latest started, then the latest named (started by the same plan).
        func rank(_ index: Int) -> (Int, Timestamp, Int) {
          (busy.contains(boxes[index].name) ? 0 : 1, boxes[index].startedAt, index)
        }
        let running = active.filter { boxes[$0].state == .running }.sorted { rank($0) > rank($1) }
        for index in running.prefix(active.count - wanted) {
          boxes[index].state = .stopping
          actions.append(.down(boxes[index]))
        }
      }
    }
    return actions
  }

  /// Stops every rented box (the sweep is over, or the user stopped `sweep fleet up`).
  public mutating func stopAll() -> [FleetAction] {
    boxes.indices.filter { boxes[$0].state == .running }.map { index in
      boxes[index].state = .stopping
      return .down(boxes[index])
    }
  }

  /// `up` of `name` succeeded and printed `id` last.
  public mutating func upSucceeded(_ name: String, id: String?) {
    guard let index = boxes.firstIndex(where: { $0.name == name }), boxes[index].state == .starting else { return }
    boxes[index].state = .running
    boxes[index].id = id
    failures[boxes[index].group] = 0
  }

  /// `up` of `name` failed: nothing was rented.
  public mutating func upFailed(_ name: String) {
    guard let index = boxes.firstIndex(where: { $0.name == name }), boxes[index].state == .starting else { return }
    boxes[index].state = .failed
    failures[boxes[index].group, default: 0] += 1
  }

  /// `down` of `name` finished, or its worker exited by itself (`--max-idle`, `--exit-when-done`).
  /// A `down` that failed leaves the box `running`, so the next plan tries again.
  public mutating func stopped(_ name: String, succeeded: Bool = true) {
    guard let index = boxes.firstIndex(where: { $0.name == name }) else { return }
    if succeeded {
      boxes[index].state = .stopped
    } else if boxes[index].state == .stopping {
      boxes[index].state = .running
    }
  }
}
