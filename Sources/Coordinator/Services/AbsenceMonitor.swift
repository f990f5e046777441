import Logging
import Shared
import Synchronization

/// Notices that the coordinator itself was away — the laptop it runs on asleep, its process
/// stopped — from a jump in its own time between two things it does (a request, a reaper pass):
/// the reaper runs every few seconds, so a gap far beyond that means the process did not run.
/// Its workers could not renew their leases meanwhile; before anything else happens, the leases
/// are re-armed and excused (``SweepStore/excuseLeases(absentSince:now:policy:)``), so that the
/// coordinator's own absence never uses up its trials' `max_attempts`.
public final class AbsenceMonitor: Sendable {
  struct State {
    var lastSeen: Timestamp
    var recovering: Task<Void, Never>?
    /// When the last absence ended.
    var wokeAt: Timestamp?
  }

  let store: any SweepStore
  let clock: any WallClock
  let policy: LeasePolicy
  /// A gap longer than this is an absence.
  public let threshold: Duration
  let logger: Logger
  private let state: Mutex<State>
  /// Absences noticed so far (for tests and logs).
  private let noticed = Atomic<Int>(0)

  public init(store: any SweepStore, clock: any WallClock, policy: LeasePolicy, threshold: Duration, logger: Logger) {
    self.store = store
    self.clock = clock
    self.policy = policy
    self.threshold = threshold
    self.logger = logger
    state = Mutex(State(lastSeen: clock.now))
  }

  /// How many absences were noticed.
  public var absences: Int { noticed.load(ordering: .relaxed) }

  /// Right after an absence (within ``threshold`` of the wake), requests that waited in the
  /// socket while the coordinator was away are answered — a lease request among them from a
  /// worker that has given up since. A lease granted then is excused like the re-armed ones:
  /// returns until when, or `nil` outside that window.
  public func excuseForGrant(at now: Timestamp) -> Timestamp? {
    state.withLock { state in
      guard let woke = state.wokeAt, now.since(woke) <= threshold else { return nil }
      return now + policy.ttl * 2
    }
  }

  /// Called before every request and reaper pass: cheap when nothing happened; after an absence,
  /// the first caller re-arms the leases and every caller waits until that is done.
  public func check() async {
    let now = clock.now
    let recovery: Task<Void, Never>? = state.withLock { state in
      if let recovering = state.recovering { return recovering }
      guard now.since(state.lastSeen) > threshold else {
        state.lastSeen = max(state.lastSeen, now)
        return nil
      }
      let since = state.lastSeen
      let task = Task { await self.recover(absentSince: since, now: now) }
      state.recovering = task
      return task
    }
    await recovery?.value
  }

  private func recover(absentSince: Timestamp, now: Timestamp) async {
    noticed.add(1, ordering: .relaxed)
    do {
      let excused = try await store.excuseLeases(absentSince: absentSince, now: now, policy: policy)
      logger.warning(
        "the coordinator was away for \(DurationText.format(now.since(absentSince))) (asleep or stopped; last active \(absentSince.iso8601)): \(excused) lease(s) re-armed; their expiry, if their worker gave up meanwhile, does not count against the trials"
      )
    } catch {
      logger.error(
        "the coordinator was away for \(now.since(absentSince)), but its leases could not be re-armed: \(error)")
    }
    state.withLock { state in
      state.lastSeen = max(state.lastSeen, clock.now)
      state.recovering = nil
      state.wokeAt = now
    }
  }
}
