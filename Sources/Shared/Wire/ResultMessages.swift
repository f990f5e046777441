/// How an attempt ended, as the worker saw it.
public enum AttemptStatus: String, Hashable, Sendable, Codable, CaseIterable {
  /// Exited 0: the trial's result. Completes the trial (once).
  case succeeded
  /// Exited non-zero or could not start.
  case failed
  /// Ran past `trial_timeout` and was stopped.
  case timedOut = "timed_out"
  /// Stopped because the coordinator said so (cancel, stop, pruned).
  case cancelled
  /// Stopped because the worker is shutting down (SIGTERM, preemption).
  case interrupted
  /// Stopped because the paid-time allowance ran out.
  case allowanceExhausted = "allowance_exhausted"
  /// Stopped because the cost it reported (`cost_usd`) went past the price its lease reserved
  /// for it. Counts as a failure: the same trial would cost as much again.
  case costExceeded = "cost_exceeded"
}

/// `POST /v1/trials/{trial_id}/results`: how one attempt ended.
public struct ResultReport: Hashable, Sendable, Codable {
  public var sweepId: String
  public var leaseId: String
  public var fencingToken: Int64
  public var attempt: Int
  public var status: AttemptStatus
  /// Final value of each metric (finite numbers only).
  public var metrics: [String: Double]
  public var exitCode: Int?
  /// The last lines of the trial's output, for diagnosis.
  public var stderrTail: String?
  /// Wall time the worker measured for the run.
  public var durationS: Double?
  /// Why the attempt failed when the exit code and output do not say it, e.g. the objective was
  /// never reported or the program could not start.
  public var error: String?

  public init(
    sweepId: String, leaseId: String, fencingToken: Int64, attempt: Int, status: AttemptStatus,
    metrics: [String: Double] = [:], exitCode: Int? = nil, stderrTail: String? = nil, durationS: Double? = nil,
    error: String? = nil
  ) {
    self.sweepId = sweepId
    self.leaseId = leaseId
    self.fencingToken = fencingToken
    self.attempt = attempt
    self.status = status
    self.metrics = metrics
    self.exitCode = exitCode
    self.stderrTail = stderrTail
    self.durationS = durationS
    self.error = error
  }

  enum CodingKeys: String, CodingKey {
    case sweepId, leaseId, fencingToken, attempt, status, metrics, exitCode, stderrTail, durationS, error
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    sweepId = try container.decode(String.self, forKey: .sweepId)
    leaseId = try container.decode(String.self, forKey: .leaseId)
    fencingToken = try container.decode(Int64.self, forKey: .fencingToken)
    attempt = try container.decode(Int.self, forKey: .attempt)
    status = try container.decode(AttemptStatus.self, forKey: .status)
    metrics = try container.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
    exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode)
    stderrTail = try container.decodeIfPresent(String.self, forKey: .stderrTail)
    durationS = try container.decodeIfPresent(Double.self, forKey: .durationS)
    error = try container.decodeIfPresent(String.self, forKey: .error)
  }
}

/// What the coordinator did with a report. The same report twice gets the same answer.
public struct ResultAck: Hashable, Sendable, Codable {
  public enum Outcome: String, Hashable, Sendable, Codable {
    /// This attempt's result completed the trial.
    case completed
    /// A failed, timed-out, interrupted or cancelled attempt was recorded; the trial was
    /// re-queued or, after `max_attempts`, failed.
    case recorded
    /// The attempt had already been closed (late report of a failure); kept for the record only.
    case late
  }
  public var trialId: String
  public var attempt: Int
  public var outcome: Outcome
  /// The trial's state after the report: `pending`, `leased`, `succeeded`, `failed`, `cancelled`.
  public var trialState: String
  public var costUsd: DollarAmount

  public init(trialId: String, attempt: Int, outcome: Outcome, trialState: String, costUsd: DollarAmount) {
    self.trialId = trialId
    self.attempt = attempt
    self.outcome = outcome
    self.trialState = trialState
    self.costUsd = costUsd
  }
}

/// The JSON body of every 4xx/5xx answer.
public struct APIErrorBody: Hashable, Sendable, Codable {
  public struct Detail: Hashable, Sendable, Codable {
    /// Stable machine-readable code, e.g. `unauthorized`, `trial_already_completed`.
    public var code: String
    public var message: String
    /// Every problem, for 422 answers to invalid specs.
    public var errors: [String]?

    public init(code: String, message: String, errors: [String]? = nil) {
      self.code = code
      self.message = message
      self.errors = errors
    }
  }
  public var error: Detail
  public init(error: Detail) { self.error = error }
}
