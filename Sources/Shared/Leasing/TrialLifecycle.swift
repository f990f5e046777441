/// Where a trial is in its life.
public enum TrialState: String, Hashable, Sendable, Codable, CaseIterable {
  /// Waiting for a worker (never tried, or re-queued after a failed attempt).
  case pending
  /// Granted to a worker in a lease.
  case leased
  /// Has its one completed result.
  case succeeded
  /// Every attempt failed (`max_attempts` reached).
  case failed
  /// Its sweep was cancelled before it succeeded.
  case cancelled
  /// Held until the transfer source's best configurations are queued ahead of it.
  case waiting
  /// Stopped early by the sweep's early stopping; its last intermediate metrics are its result.
  case pruned

  /// Whether the trial will not run again.
  public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled || self == .pruned }
}

/// A trial's lifecycle as a value: methods change the state and return what the caller must do.
/// The store persists the fields; no I/O here.
///
/// Attempts that fail through the trial's own fault (non-zero exit, timeout, a lease lost while
/// it ran) count toward `maxAttempts`; attempts stopped for reasons outside the trial (released
/// unstarted, worker interrupted, paid allowance used up, cancelled) re-queue it without counting,
/// up to a hard cap of ten times `maxAttempts` attempts in all so that nothing loops forever.
public struct TrialLifecycle: Hashable, Sendable {
  public private(set) var state: TrialState
  /// Attempt numbers used so far; the current attempt is this one while leased.
  public private(set) var attempts: Int
  /// Attempts that failed through the trial's own fault.
  public private(set) var failures: Int
  public let maxAttempts: Int
  /// The attempt whose result completed the trial.
  public private(set) var completedAttempt: Int?

  public init(state: TrialState, attempts: Int, failures: Int, maxAttempts: Int, completedAttempt: Int? = nil) {
    self.state = state
    self.attempts = attempts
    self.failures = failures
    self.maxAttempts = maxAttempts
    self.completedAttempt = completedAttempt
  }

  /// Attempts in all after which a trial fails even if none was its fault.
  public var attemptCap: Int { maxAttempts * 10 }

  /// What the caller does after a transition.
  public enum Action: Hashable, Sendable {
    /// Start attempt `n` (record it, hand it out).
    case startAttempt(Int)
    /// Record the completed result of this attempt.
    case complete(attempt: Int)
    /// Put the trial back in the queue for another attempt.
    case requeue
    /// Mark the trial failed.
    case fail
    /// Mark the trial pruned: early stopping ended it, which is not a failure.
    case prune
    /// Nothing changes for the trial (a late or duplicate event); keep the record only.
    case ignore
  }

  /// Hands the trial to a lease. Only a pending trial can be leased.
  public mutating func lease() -> Action {
    guard state == .pending else { return .ignore }
    attempts += 1
    state = .leased
    return .startAttempt(attempts)
  }

  /// A successful result of `attempt` arrived. The first one completes the trial whatever its
  /// state (a late success of an expired attempt still counts); any later one is ignored.
  public mutating func succeeded(attempt: Int) -> Action {
    guard completedAttempt == nil else { return .ignore }
    completedAttempt = attempt
    state = .succeeded
    return .complete(attempt: attempt)
  }

  /// The current attempt ended without a result. Only the attempt the trial is on counts; an
  /// older attempt's ending changes nothing.
  /// A trial the coordinator asked to stop for early stopping (`pruned`) ends as pruned whatever the cause.
  public mutating func attemptEnded(attempt: Int, countsAsFailure: Bool, pruned: Bool = false) -> Action {
    guard state == .leased, attempt == attempts else { return .ignore }
    if pruned {
      state = .pruned
      return .prune
    }
    if countsAsFailure { failures += 1 }
    if failures >= maxAttempts || attempts >= attemptCap {
      state = .failed
      return .fail
    }
    state = .pending
    return .requeue
  }

  /// A held trial may run: it joins the queue.
  public mutating func release() -> Action {
    guard state == .waiting else { return .ignore }
    state = .pending
    return .requeue
  }

  /// The sweep was cancelled: unfinished trials stop here.
  public mutating func cancel() -> Action {
    guard !state.isFinished else { return .ignore }
    state = .cancelled
    return .fail
  }
}

extension AttemptStatus {
  /// Whether an attempt that ended this way counts against the trial's `max_attempts`.
  public var countsAsFailure: Bool {
    switch self {
    case .failed, .timedOut, .costExceeded: true
    case .succeeded, .cancelled, .interrupted, .allowanceExhausted: false
    }
  }
}
