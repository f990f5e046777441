import Shared
import Synchronization

/// One granted lease while this worker works through it: the allowance (on the agent's
/// ``WorkerClock``), which trials were cancelled, and the heartbeat that keeps it alive.
final class LeaseSession: Sendable {
  let grant: LeaseGrant
  private struct State {
    var allowanceDeadline: Duration?
    var cancelled: Set<String> = []
    var stopAll = false
    var lost = false
    var running: (trial: LeasedTrial, control: TrialControl)?
    var started: Set<String> = []
  }
  private let state: Mutex<State>
  /// When the grant arrived, on the agent's clock: the allowance and the heartbeats count from here.
  let receivedAt: Duration

  init(grant: LeaseGrant, receivedAt: Duration) {
    self.grant = grant
    self.receivedAt = receivedAt
    state = Mutex(State(allowanceDeadline: grant.allowanceS.map { receivedAt + .milliseconds(Int64($0 * 1000)) }))
  }

  /// Heartbeats go every third of the lease's TTL, as the grant says.
  var heartbeatInterval: Duration { .milliseconds(Int64(max(grant.ttlS, 0.3) * 1000 / 3)) }

  var isPaid: Bool { grant.allowanceS != nil }

  /// The control for a trial about to start, carrying the lease's current allowance.
  func begin(_ trial: LeasedTrial) -> TrialControl {
    state.withLock { state in
      let control = TrialControl(
        allowanceDeadline: state.allowanceDeadline, parameters: Set(trial.params.keys),
        costLimit: grant.trialCostLimitUsd?.micros)
      if state.cancelled.contains(trial.trialId) || state.stopAll { control.requestStop(.cancelled) }
      state.running = (trial, control)
      state.started.insert(trial.trialId)
      return control
    }
  }

  func end() { state.withLock { $0.running = nil } }

  /// Whether the remaining trials should not be started (stop, lease lost, allowance gone at `now`).
  func shouldStopStarting(at now: Duration) -> Bool {
    state.withLock { state in
      state.stopAll || state.lost || state.allowanceDeadline.map { now >= $0 } == true
    }
  }

  func isCancelled(_ trialID: String) -> Bool { state.withLock { $0.cancelled.contains(trialID) } }

  /// Trials not started yet (for release on drain).
  var unstarted: [String] {
    state.withLock { state in grant.trials.map(\.trialId).filter { !state.started.contains($0) } }
  }

  /// Stops the running trial for `reason` (drain, stop).
  func interrupt(_ reason: AttemptStatus) {
    state.withLock { state in
      state.stopAll = true
      state.running?.control.requestStop(reason)
    }
  }

  /// Progress of the running trial, for the heartbeat.
  var progress: [TrialProgress] {
    state.withLock { state in
      guard let running = state.running else { return [] }
      let metrics = running.control.metrics
      return [
        TrialProgress(
          trialId: running.trial.trialId, attempt: running.trial.attempt, epoch: metrics.epoch, step: metrics.step,
          metrics: metrics.latest)
      ]
    }
  }

  /// Applies a heartbeat answer: new allowance and actions.
  func apply(_ response: HeartbeatResponse, sentAt: Duration) {
    state.withLock { state in
      if let allowance = response.allowanceS {
        // counted from when the heartbeat left: the coordinator's allowance is at most that late
        let deadline = sentAt + .milliseconds(Int64(allowance * 1000))
        state.allowanceDeadline = deadline
        state.running?.control.setAllowanceDeadline(deadline)
      }
      for action in response.actions {
        switch action.kind {
        case .continue: break
        case .cancelTrial:
          guard let trialID = action.trialId else { continue }
          state.cancelled.insert(trialID)
          if state.running?.trial.trialId == trialID { state.running?.control.requestStop(.cancelled) }
        case .stopAll:
          state.stopAll = true
          state.running?.control.requestStop(.cancelled)
        }
      }
    }
  }

  /// The coordinator no longer knows this lease (expired, fenced). A paid worker must stop at once
  /// (nothing pays for the time any more); a free one may finish the running trial, whose result
  /// still counts if nobody else completed it first.
  func markLost() {
    state.withLock { state in
      state.lost = true
      if grant.allowanceS != nil { state.running?.control.requestStop(.allowanceExhausted) }
    }
  }

  var isLost: Bool { state.withLock { $0.lost } }
}
