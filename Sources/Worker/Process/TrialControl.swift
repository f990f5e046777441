import Shared
import Synchronization

/// What may stop a running trial before it ends by itself, shared between the runner and the
/// agent's heartbeat, allowance and shutdown logic.
final class TrialControl: Sendable {
  private struct State {
    var stopReason: AttemptStatus?
    var allowanceDeadline: ContinuousClock.Instant?
    var metrics = MetricsState()
  }
  private let state: Mutex<State>

  init(allowanceDeadline: ContinuousClock.Instant?) {
    state = Mutex(State(allowanceDeadline: allowanceDeadline))
  }

  /// Asks the trial to stop; the first reason wins.
  func requestStop(_ reason: AttemptStatus) {
    state.withLock { state in
      if state.stopReason == nil { state.stopReason = reason }
    }
  }

  var stopReason: AttemptStatus? { state.withLock { $0.stopReason } }

  /// Moves the paid-time deadline (a heartbeat answered with a new allowance).
  func setAllowance(remaining: Duration?, now: ContinuousClock.Instant = .now) {
    state.withLock { $0.allowanceDeadline = remaining.map { now + $0 } }
  }

  var allowanceDeadline: ContinuousClock.Instant? { state.withLock { $0.allowanceDeadline } }

  func record(_ metrics: [String: Double]) { state.withLock { $0.metrics.record(metrics) } }

  var metrics: MetricsState { state.withLock { $0.metrics } }
}
