/// The worker's sense of time, injected so that tests and the simulator drive the real agent on
/// virtual time. An instant is the time since the clock's own origin (monotonic, never wall time):
/// allowances, timeouts, heartbeats, backoff and idleness are all measured on it.
public protocol WorkerClock: Sendable {
  /// Time since this clock's origin.
  var now: Duration { get }
  /// Returns once `now >= deadline`; throws `CancellationError` if the task is cancelled first.
  func sleep(until deadline: Duration) async throws
}

extension WorkerClock {
  /// Sleeps for `duration` from now; throws `CancellationError` if cancelled first.
  public func sleep(for duration: Duration) async throws { try await sleep(until: now + duration) }
}

/// The machine's monotonic clock (it keeps counting while a laptop sleeps, so an allowance that
/// ran out during sleep is seen as run out on wake).
public struct SystemWorkerClock: WorkerClock {
  private let origin = ContinuousClock.now
  public init() {}
  public var now: Duration { ContinuousClock.now - origin }
  public func sleep(until deadline: Duration) async throws {
    try await Task.sleep(until: origin + deadline, clock: .continuous)
  }
}
