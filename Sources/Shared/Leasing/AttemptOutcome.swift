/// Where one attempt of a trial stands: running, or how it ended — as the worker reported it
/// (``AttemptStatus``), or as the coordinator closed it (its lease expired or was given back).
/// The raw value is the column text.
public enum AttemptOutcome: String, Hashable, Sendable, CaseIterable {
  case running
  case succeeded
  case failed
  case timedOut = "timed_out"
  case cancelled
  case interrupted
  case allowanceExhausted = "allowance_exhausted"
  case costExceeded = "cost_exceeded"
  /// Its lease expired before a result came.
  case expired
  /// Its lease gave it back unfinished (the worker released it, or was deregistered).
  case released

  /// The outcome a worker's report gives the attempt.
  public init(_ status: AttemptStatus) {
    switch status {
    case .succeeded: self = .succeeded
    case .failed: self = .failed
    case .timedOut: self = .timedOut
    case .cancelled: self = .cancelled
    case .interrupted: self = .interrupted
    case .allowanceExhausted: self = .allowanceExhausted
    case .costExceeded: self = .costExceeded
    }
  }
}
