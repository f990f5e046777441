/// `POST /v1/leases`: ask for a shard, waiting up to `wait` seconds for one (long-poll).
public struct LeaseRequest: Hashable, Sendable, Codable {
  /// Seconds to wait for work before answering "no work"; 0 answers at once. At most 60.
  public var wait: Double?
  /// Set by a worker that takes no work for now (a laptop on battery or hot): the coordinator
  /// records why and answers `no_work: paused` without granting.
  public var paused: PauseReason?
  public init(wait: Double? = nil, paused: PauseReason? = nil) {
    self.wait = wait
    self.paused = paused
  }
}

/// Why a worker takes no new work for now (laptop awareness, docs/worker.md).
public enum PauseReason: String, Hashable, Sendable, Codable, CaseIterable {
  /// The laptop runs on battery and the worker was told to pause then (`--on-battery pause`).
  case onBattery = "on_battery"
  /// The machine is hot (`--thermal-pause`).
  case thermal
}

/// One trial of a granted shard, ready to run.
public struct LeasedTrial: Hashable, Sendable, Codable {
  public var trialId: String
  public var domain: String
  /// 1 for the first try, then 2, 3, …
  public var attempt: Int
  public var params: [String: ParameterValue]
  public var argv: [String]

  public init(trialId: String, domain: String, attempt: Int, params: [String: ParameterValue], argv: [String]) {
    self.trialId = trialId
    self.domain = domain
    self.attempt = attempt
    self.params = params
    self.argv = argv
  }
}

/// A granted shard: what to run, until when, under which fencing token and allowance.
public struct LeaseGrant: Hashable, Sendable, Codable {
  public var leaseId: String
  public var sweepId: String
  public var sweepName: String
  /// Grows every time this shard is granted again; a report under an older token is late.
  public var fencingToken: Int64
  public var expiresAt: String
  public var ttlS: Double
  /// Paid seconds this lease may still run before its trials must stop, unless a heartbeat
  /// extends it; `nil` for a free worker.
  public var allowanceS: Double?
  /// Seconds between SIGTERM and SIGKILL when a trial must stop.
  public var stopGraceS: Double
  public var trialTimeoutS: Double?
  public var objectiveMetric: String
  public var trials: [LeasedTrial]
  /// The spec's `workdir`: where trials run, relative to the worker's `--workdir`; nil: the workdir itself.
  public var workdir: String? = nil
  /// What the coordinator takes of each attempt's output folder; nil: it takes none (an older
  /// coordinator), so the worker uploads nothing.
  public var artifacts: ArtifactPolicy? = nil
  /// Set on a paid worker's last lease: the budget paid it with the idle time it held for the
  /// worker, so when it ends the worker asks once more without waiting and, given no lease (or
  /// no answer), exits and runs `--on-exit`.
  public var exitAfter: Bool? = nil
  /// When trials are priced per job (``SweepSpec/trialPrice``): what the lease holds for each
  /// trial. A trial whose reported `cost_usd` goes past it is stopped (`cost_exceeded`); the
  /// trial sees it as `SWEEP_COST_LIMIT_USD`. nil: trials are not priced.
  public var trialCostLimitUsd: DollarAmount? = nil

  public init(
    leaseId: String, sweepId: String, sweepName: String, fencingToken: Int64, expiresAt: String, ttlS: Double,
    allowanceS: Double?, stopGraceS: Double, trialTimeoutS: Double?, objectiveMetric: String, trials: [LeasedTrial]
  ) {
    self.leaseId = leaseId
    self.sweepId = sweepId
    self.sweepName = sweepName
    self.fencingToken = fencingToken
    self.expiresAt = expiresAt
    self.ttlS = ttlS
    self.allowanceS = allowanceS
    self.stopGraceS = stopGraceS
    self.trialTimeoutS = trialTimeoutS
    self.objectiveMetric = objectiveMetric
    self.trials = trials
  }
}

/// Why there is no work for this worker right now.
public enum NoWorkReason: String, Hashable, Sendable, Codable, CaseIterable {
  /// Every trial is done or leased; ask again later.
  case noPendingTrials = "no_pending_trials"
  /// Trials are waiting but the remaining budget cannot pay for them on this (paid) worker.
  case budgetExhausted = "budget_exhausted"
  /// The only sweeps with pending trials were cancelled.
  case sweepCancelled = "sweep_cancelled"
  /// The worker already holds one lease per slot.
  case slotsFull = "slots_full"
  /// The worker said it is paused (``LeaseRequest/paused``).
  case paused
  /// The only sweeps with pending trials paused themselves (every attempt failed); `sweep resume` continues.
  case sweepPaused = "sweep_paused"
  /// A paid worker with nothing running whose idle time the budget can no longer hold: it must
  /// exit now (and run `--on-exit`) rather than bill idle.
  case idleNotCovered = "idle_not_covered"
}

/// `POST /v1/leases` answer: a grant, or no work with a reason.
public struct LeaseResponse: Hashable, Sendable, Codable {
  public var lease: LeaseGrant?
  public var noWork: NoWorkReason?
  public var message: String?
  /// When to ask again, for "no work".
  public var retryAfterS: Double?

  public init(lease: LeaseGrant) {
    self.lease = lease
  }

  public init(noWork: NoWorkReason, message: String, retryAfterS: Double) {
    self.noWork = noWork
    self.message = message
    self.retryAfterS = retryAfterS
  }
}

/// Progress of one running trial, carried by a heartbeat.
public struct TrialProgress: Hashable, Sendable, Codable {
  public var trialId: String
  public var attempt: Int
  public var epoch: Double?
  public var step: Double?
  /// Latest intermediate metrics (finite numbers only).
  public var metrics: [String: Double]

  public init(trialId: String, attempt: Int, epoch: Double? = nil, step: Double? = nil, metrics: [String: Double] = [:])
  {
    self.trialId = trialId
    self.attempt = attempt
    self.epoch = epoch
    self.step = step
    self.metrics = metrics
  }

  enum CodingKeys: String, CodingKey { case trialId, attempt, epoch, step, metrics }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    trialId = try container.decode(String.self, forKey: .trialId)
    attempt = try container.decode(Int.self, forKey: .attempt)
    epoch = try container.decodeIfPresent(Double.self, forKey: .epoch)
    step = try container.decodeIfPresent(Double.self, forKey: .step)
    metrics = try container.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
  }
}

/// `POST /v1/leases/{id}/heartbeat`.
public struct HeartbeatRequest: Hashable, Sendable, Codable {
  public var fencingToken: Int64
  public var progress: [TrialProgress]
  /// The worker finishes its running trial but starts no new one, and why.
  public var paused: PauseReason?

  public init(fencingToken: Int64, progress: [TrialProgress] = [], paused: PauseReason? = nil) {
    self.fencingToken = fencingToken
    self.progress = progress
    self.paused = paused
  }

  enum CodingKeys: String, CodingKey { case fencingToken, progress, paused }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    fencingToken = try container.decode(Int64.self, forKey: .fencingToken)
    progress = try container.decodeIfPresent([TrialProgress].self, forKey: .progress) ?? []
    paused = try container.decodeIfPresent(PauseReason.self, forKey: .paused)
  }
}

/// What the coordinator wants the worker to do.
public struct LeaseAction: Hashable, Sendable, Codable {
  public enum Kind: String, Hashable, Sendable, Codable {
    case `continue`
    /// Stop this trial (its result was already completed elsewhere, or it was pruned).
    case cancelTrial = "cancel_trial"
    /// Stop every trial of the lease (sweep cancelled, budget gone, lease lost).
    case stopAll = "stop_all"
  }
  public var kind: Kind
  public var trialId: String?
  public var reason: String?

  public init(kind: Kind, trialId: String? = nil, reason: String? = nil) {
    self.kind = kind
    self.trialId = trialId
    self.reason = reason
  }
}

/// The heartbeat answer: the new expiry and allowance, and actions.
public struct HeartbeatResponse: Hashable, Sendable, Codable {
  public var expiresAt: String
  public var allowanceS: Double?
  public var actions: [LeaseAction]

  public init(expiresAt: String, allowanceS: Double?, actions: [LeaseAction]) {
    self.expiresAt = expiresAt
    self.allowanceS = allowanceS
    self.actions = actions
  }
}

/// `POST /v1/leases/{id}/release`: a draining worker gives back trials it has not started.
public struct ReleaseRequest: Hashable, Sendable, Codable {
  public var fencingToken: Int64
  /// The trials to give back; `nil` gives back every trial without a result.
  public var trialIds: [String]?

  public init(fencingToken: Int64, trialIds: [String]? = nil) {
    self.fencingToken = fencingToken
    self.trialIds = trialIds
  }
}

/// The answer to a release.
public struct ReleaseResponse: Hashable, Sendable, Codable {
  public var released: [String]
  public var leaseClosed: Bool
  public init(released: [String], leaseClosed: Bool) {
    self.released = released
    self.leaseClosed = leaseClosed
  }
}
