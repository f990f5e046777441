import Shared
import Synchronization

/// What may stop a running trial before it ends by itself, shared between the runner and the
/// agent's heartbeat, allowance and shutdown logic. Every change wakes the runner (no polling).
final class TrialControl: Sendable {
  private struct State {
    var stopReason: AttemptStatus?
    /// On the agent's ``WorkerClock``.
    var allowanceDeadline: Duration?
    var metrics = MetricsState()
    var metricsFile: MetricsFileReader?
    var onChange: (@Sendable () -> Void)?
  }
  private let state: Mutex<State>

  init(allowanceDeadline: Duration?, parameters: Set<String> = []) {
    state = Mutex(State(allowanceDeadline: allowanceDeadline, metrics: MetricsState(parameters: parameters)))
  }

  /// Asks the trial to stop; the first reason wins.
  func requestStop(_ reason: AttemptStatus) {
    changed { state in
      if state.stopReason == nil { state.stopReason = reason }
    }
  }

  var stopReason: AttemptStatus? { state.withLock { $0.stopReason } }

  /// Moves the paid-time deadline (a heartbeat answered with a new allowance).
  func setAllowanceDeadline(_ deadline: Duration?) {
    changed { $0.allowanceDeadline = deadline }
  }

  var allowanceDeadline: Duration? { state.withLock { $0.allowanceDeadline } }

  /// Called on every stop request or allowance change (the runner's wake-up).
  func observe(_ onChange: @escaping @Sendable () -> Void) {
    state.withLock { $0.onChange = onChange }
  }

  private func changed(_ change: (inout State) -> Void) {
    let notify = state.withLock { state in
      change(&state)
      return state.onChange
    }
    notify?()
  }

  func record(_ metrics: [String: Double]) { state.withLock { $0.metrics.record(metrics) } }

  /// The file the trial may append metrics to (`SWEEP_METRICS_FILE`); read whenever metrics are asked for.
  func attachMetricsFile(_ path: String) { state.withLock { $0.metricsFile = MetricsFileReader(path: path) } }

  /// The metrics so far, with whatever the metrics file gained since the last look.
  var metrics: MetricsState { readMetricsFile(final: false) }

  /// Reads the rest of the metrics file, including a last line without a newline.
  @discardableResult
  func readMetricsFile(final: Bool) -> MetricsState {
    state.withLock { state in
      if var reader = state.metricsFile {
        for line in reader.readNewLines(final: final) {
          if let values = MetricsLine.parse(line) { state.metrics.record(values) }
        }
        state.metricsFile = reader
      }
      return state.metrics
    }
  }
}
