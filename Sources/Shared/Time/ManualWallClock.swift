import Synchronization

/// A clock that moves only when told to: for tests and the simulator, so that lease expiry and
/// charging run on virtual time.
public final class ManualWallClock: WallClock {
  private let current: Mutex<Int64>

  public init(_ start: Timestamp = Timestamp(milliseconds: 1_800_000_000_000)) {
    current = Mutex(start.milliseconds)
  }

  public var now: Timestamp { Timestamp(milliseconds: current.withLock { $0 }) }

  /// Moves time forward by `duration`.
  public func advance(by duration: Duration) {
    current.withLock { $0 &+= duration.wholeMilliseconds }
  }

  /// Sets the time (it may go backwards, to test clock steps).
  public func set(_ timestamp: Timestamp) {
    current.withLock { $0 = timestamp.milliseconds }
  }
}
