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

    /// A priced trial over its price: stop it (once; an earlier reason wins). Returns whether
    /// this changed the stop reason.
    mutating func checkCost(limit: MicroDollars?) -> Bool {
      guard stopReason == nil, let limit, let reported = metrics.latest[ReportedCost.metric],
        let cost = ReportedCost.amount(reported), cost > limit
      else { return false }
      stopReason = .costExceeded
      return true
    }
  }
  private let state: Mutex<State>
  /// What the lease holds for this trial when trials are priced per job (``LeaseGrant/trialCostLimitUsd``).
  let costLimit: MicroDollars?

  init(allowanceDeadline: Duration?, parameters: Set<String> = [], costLimit: MicroDollars? = nil) {
    state = Mutex(State(allowanceDeadline: allowanceDeadline, metrics: MetricsState(parameters: parameters)))
    self.costLimit = costLimit
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

  /// Records a metrics line; a reported `cost_usd` past ``costLimit`` stops the trial (`cost_exceeded`).
  func record(_ metrics: [String: Double]) {
    let costLimit = self.costLimit
    let notify = state.withLock { state in
      state.metrics.record(metrics)
      return state.checkCost(limit: costLimit) ? state.onChange : nil
    }
    notify?()
  }

  /// The file the trial may append metrics to (`SWEEP_METRICS_FILE`); read whenever metrics are asked for.
  func attachMetricsFile(_ path: String) { state.withLock { $0.metricsFile = MetricsFileReader(path: path) } }

  /// The metrics so far, with whatever the metrics file gained since the last look.
  var metrics: MetricsState { readMetricsFile(final: false) }

  /// Reads the rest of the metrics file, including a last line without a newline.
  @discardableResult
  func readMetricsFile(final: Bool) -> MetricsState {
    let costLimit = self.costLimit
    let (metrics, notify) = state.withLock { state in
      if var reader = state.metricsFile {
        for line in reader.readNewLines(final: final) {
          if let values = MetricsLine.parse(line) { state.metrics.record(values) }
        }
        state.metricsFile = reader
      }
      return (state.metrics, !final && state.checkCost(limit: costLimit) ? state.onChange : nil)
    }
    notify?()
    return metrics
  }
}
