/// Trial counts by state.
public struct TrialCounts: Hashable, Sendable, Codable {
  public var pending: Int
  public var leased: Int
  public var succeeded: Int
  public var failed: Int
  public var cancelled: Int
  /// Held until a transfer source's best configurations are queued.
  public var waiting: Int
  /// Stopped early by ASHA.
  public var pruned: Int

  public init(
    pending: Int = 0, leased: Int = 0, succeeded: Int = 0, failed: Int = 0, cancelled: Int = 0, waiting: Int = 0,
    pruned: Int = 0
  ) {
    self.pending = pending
    self.leased = leased
    self.succeeded = succeeded
    self.failed = failed
    self.cancelled = cancelled
    self.waiting = waiting
    self.pruned = pruned
  }

  enum CodingKeys: String, CodingKey { case pending, leased, succeeded, failed, cancelled, waiting, pruned }

  /// Counts from a coordinator without strategies lack `waiting` and `pruned`.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    pending = try container.decode(Int.self, forKey: .pending)
    leased = try container.decode(Int.self, forKey: .leased)
    succeeded = try container.decode(Int.self, forKey: .succeeded)
    failed = try container.decode(Int.self, forKey: .failed)
    cancelled = try container.decode(Int.self, forKey: .cancelled)
    waiting = try container.decodeIfPresent(Int.self, forKey: .waiting) ?? 0
    pruned = try container.decodeIfPresent(Int.self, forKey: .pruned) ?? 0
  }

  public var total: Int { pending + leased + succeeded + failed + cancelled + waiting + pruned }
  /// Trials that will not run again.
  public var finished: Int { succeeded + failed + cancelled + pruned }
}

/// The best trial of a domain so far.
public struct BestTrial: Hashable, Sendable, Codable {
  public var trialId: String
  public var metric: String
  public var value: Double
  public var params: [String: ParameterValue]

  public init(trialId: String, metric: String, value: Double, params: [String: ParameterValue]) {
    self.trialId = trialId
    self.metric = metric
    self.value = value
    self.params = params
  }
}

/// One domain's progress within a sweep.
public struct DomainStatus: Hashable, Sendable, Codable {
  public var domain: String
  public var counts: TrialCounts
  public var best: BestTrial?
  public var spentUsd: DollarAmount
  /// What early stopping saved in this domain, when it pruned anything.
  public var pruning: PruningSavings?
  /// The most common reason attempts of this domain failed, when any did.
  public var commonFailure: FailureCount? = nil

  public init(
    domain: String, counts: TrialCounts, best: BestTrial?, spentUsd: DollarAmount, pruning: PruningSavings? = nil
  ) {
    self.domain = domain
    self.counts = counts
    self.best = best
    self.spentUsd = spentUsd
    self.pruning = pruning
  }
}

/// A failure reason (status, exit code, last line) and how many attempts ended with it.
public struct FailureCount: Hashable, Sendable, Codable {
  public var reason: String
  public var attempts: Int

  public init(reason: String, attempts: Int) {
    self.reason = reason
    self.attempts = attempts
  }
}

/// Paid time and money early stopping did not spend: for each pruned trial, the median duration
/// of the completed trials of its domain and stage less the time it ran, at its lease's rate.
public struct PruningSavings: Hashable, Sendable, Codable {
  public var pruned: Int
  /// Seconds of training not run, free workers included.
  public var savedSeconds: Double
  /// What those seconds would have cost on the workers that ran the pruned trials.
  public var savedUsd: DollarAmount

  public init(pruned: Int, savedSeconds: Double, savedUsd: DollarAmount) {
    self.pruned = pruned
    self.savedSeconds = savedSeconds
    self.savedUsd = savedUsd
  }
}

/// `GET /v1/sweeps/{id}`: a sweep's state, money and per-domain progress.
public struct SweepStatus: Hashable, Sendable, Codable {
  public var id: String
  public var name: String
  /// `running`, `paused`, `completed` or `cancelled`.
  public var state: SweepState
  public var createdAt: String
  public var budgetUsd: DollarAmount
  public var spentUsd: DollarAmount
  public var reservedUsd: DollarAmount
  public var remainingUsd: DollarAmount
  public var objective: Objective
  public var counts: TrialCounts
  public var domains: [DomainStatus]
  /// Why the sweep paused itself, while it is `paused`.
  public var pausedReason: String? = nil
  /// Of `spent_usd`: paid workers' idle time charged here (they last worked for this sweep).
  public var idleSpentUsd: DollarAmount? = nil
  /// Of `reserved_usd`: paid workers' idle windows held here.
  public var idleHeldUsd: DollarAmount? = nil
  /// Of `spent_usd`: subscription fees (a period's fee is charged to the sweep of the worker's
  /// first lease in it).
  public var feesSpentUsd: DollarAmount? = nil
  /// Of `spent_usd`: what priced trials cost (their reported `cost_usd`, else their price).
  public var trialCostSpentUsd: DollarAmount? = nil

  public init(
    id: String, name: String, state: SweepState, createdAt: String, budgetUsd: DollarAmount, spentUsd: DollarAmount,
    reservedUsd: DollarAmount, remainingUsd: DollarAmount, objective: Objective, counts: TrialCounts,
    domains: [DomainStatus]
  ) {
    self.id = id
    self.name = name
    self.state = state
    self.createdAt = createdAt
    self.budgetUsd = budgetUsd
    self.spentUsd = spentUsd
    self.reservedUsd = reservedUsd
    self.remainingUsd = remainingUsd
    self.objective = objective
    self.counts = counts
    self.domains = domains
  }
}

/// `GET /v1/sweeps`.
public struct SweepList: Hashable, Sendable, Codable {
  public var sweeps: [SweepStatus]
  public init(sweeps: [SweepStatus]) { self.sweeps = sweeps }
}

/// `POST /v1/sweeps` answer.
public struct SweepCreated: Hashable, Sendable, Codable {
  public var id: String
  public var name: String
  public var totalTrials: Int
  public var shards: Int
  public var duplicatesRemoved: Int

  public init(id: String, name: String, totalTrials: Int, shards: Int, duplicatesRemoved: Int) {
    self.id = id
    self.name = name
    self.totalTrials = totalTrials
    self.shards = shards
    self.duplicatesRemoved = duplicatesRemoved
  }
}

extension SweepStatus {
  /// How much of the budget was turned into spending, in tenths of a percent (rounded down);
  /// `nil` for a zero budget. Near 100% when paid work remained after the money ran out.
  public var utilizationPerMille: Int64? { spentUsd.micros.perMille(of: budgetUsd.micros) }

  /// ``utilizationPerMille`` as text, e.g. `93.4%`.
  public var utilizationText: String? { utilizationPerMille.map(MicroDollars.percentText(perMille:)) }
}

/// `GET /v1/budget` and the answer to `PUT /v1/budget`: the coordinator's own cap across sweeps.
public struct CoordinatorBudget: Hashable, Sendable, Codable {
  /// nil: no cap beyond each sweep's own budget.
  public var budgetUsd: DollarAmount?
  public var period: OuterBudget.Period?
  public var periodStartedAt: String?
  /// Spent by every sweep in the period, and held now.
  public var spentUsd: DollarAmount
  public var reservedUsd: DollarAmount
  public var remainingUsd: DollarAmount?

  public init(
    budgetUsd: DollarAmount?, period: OuterBudget.Period?, periodStartedAt: String?, spentUsd: DollarAmount,
    reservedUsd: DollarAmount, remainingUsd: DollarAmount?
  ) {
    self.budgetUsd = budgetUsd
    self.period = period
    self.periodStartedAt = periodStartedAt
    self.spentUsd = spentUsd
    self.reservedUsd = reservedUsd
    self.remainingUsd = remainingUsd
  }
}

/// `PUT /v1/budget`: sets (or, with `budget_usd` null, removes) the coordinator's cap.
public struct SetCoordinatorBudget: Hashable, Sendable, Codable {
  public var budgetUsd: DollarAmount?
  /// `total` (default) or `month`.
  public var period: OuterBudget.Period?

  public init(budgetUsd: DollarAmount?, period: OuterBudget.Period? = nil) {
    self.budgetUsd = budgetUsd
    self.period = period
  }

  enum CodingKeys: String, CodingKey {
    case budgetUsd, period
  }

  /// `budget_usd` must be present: null removes the cap, so a body that lacks it (a typo such as
  /// `budget`) must not remove it silently.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    guard container.contains(.budgetUsd) else {
      throw DecodingError.keyNotFound(
        CodingKeys.budgetUsd,
        .init(codingPath: [], debugDescription: "budget_usd is required: an amount, or null to remove the cap"))
    }
    budgetUsd = try container.decode(DollarAmount?.self, forKey: .budgetUsd)
    period = try container.decodeIfPresent(OuterBudget.Period.self, forKey: .period)
  }

  /// Writes `budget_usd: null` to remove the cap (the key is always sent).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(budgetUsd, forKey: .budgetUsd)
    try container.encodeIfPresent(period, forKey: .period)
  }
}

/// `POST /v1/sweeps/{id}/extend`: grows a sweep (see ``SweepExtension``). Sent again with the
/// same `extension_id` and the same content, it is answered as already done; with other content, 409.
public struct ExtendSweepRequest: Hashable, Sendable, Codable {
  /// 1–64 letters, digits, '.', '_' or '-'; chosen by the caller (the CLI makes one per invocation).
  public var extensionId: String
  /// Trials added to each domain of `domains`.
  public var trialsPerDomain: Int?
  /// The existing domains that get `trials_per_domain` more; nil or empty: all of them.
  public var domains: [String]?
  /// Domains added to the sweep.
  public var addDomains: [String]?
  /// Trials per added domain; nil: the spec's `trials_per_domain`.
  public var newDomainTrials: Int?
  /// The new total budget (only raised).
  public var budgetUsd: DollarAmount?
  /// The new attempts per trial (only raised).
  public var maxAttempts: Int?

  public init(
    extensionId: String, trialsPerDomain: Int? = nil, domains: [String]? = nil, addDomains: [String]? = nil,
    newDomainTrials: Int? = nil, budgetUsd: DollarAmount? = nil, maxAttempts: Int? = nil
  ) {
    self.extensionId = extensionId
    self.trialsPerDomain = trialsPerDomain
    self.domains = domains
    self.addDomains = addDomains
    self.newDomainTrials = newDomainTrials
    self.budgetUsd = budgetUsd
    self.maxAttempts = maxAttempts
  }

  /// The extension this asks for on a sweep with `domains`.
  public func sweepExtension(sweepDomains: [String]) -> SweepExtension {
    var trials: [String: Int] = [:]
    if let count = trialsPerDomain {
      for domain in (domains?.isEmpty ?? true) ? sweepDomains : domains ?? [] { trials[domain] = count }
    }
    return SweepExtension(
      id: extensionId, trials: trials, newDomains: addDomains ?? [], newDomainTrials: newDomainTrials,
      budget: budgetUsd?.micros, maxAttempts: maxAttempts)
  }
}

/// What an extension added.
public struct SweepExtended: Hashable, Sendable, Codable {
  public var sweepId: String
  public var extensionId: String
  /// Trials stored by the extension (duplicates of existing configurations not counted).
  public var addedTrials: Int
  /// Drawn configurations that the sweep already had.
  public var duplicatesRemoved: Int
  public var shards: Int
  /// True when this extension had been applied before and nothing was done now.
  public var replayed: Bool

  public init(
    sweepId: String, extensionId: String, addedTrials: Int, duplicatesRemoved: Int, shards: Int, replayed: Bool
  ) {
    self.sweepId = sweepId
    self.extensionId = extensionId
    self.addedTrials = addedTrials
    self.duplicatesRemoved = duplicatesRemoved
    self.shards = shards
    self.replayed = replayed
  }
}

/// `GET /v1/sweeps/{id}/extensions`: what `sweep extend` did to a sweep, in order.
public struct SweepExtensionList: Hashable, Sendable, Codable {
  public var extensions: [AppliedExtension]

  public init(extensions: [AppliedExtension]) { self.extensions = extensions }
}

/// One applied extension. Trials per domain are a list, not an object, so that domain names
/// never pass through a key-case conversion.
public struct AppliedExtension: Hashable, Sendable, Codable {
  public struct DomainTrials: Hashable, Sendable, Codable {
    public var domain: String
    public var trials: Int
  }

  public var extensionId: String
  public var trials: [DomainTrials]
  public var addDomains: [String]
  public var newDomainTrials: Int?
  public var budgetUsd: DollarAmount?
  public var maxAttempts: Int?
  public var addedTrials: Int
  public var duplicatesRemoved: Int

  public init(_ change: SweepExtension, result: SweepExtended) {
    extensionId = change.id
    trials = change.trials.sorted { $0.key < $1.key }.map { DomainTrials(domain: $0.key, trials: $0.value) }
    addDomains = change.newDomains
    newDomainTrials = change.newDomainTrials
    budgetUsd = change.budget.map(DollarAmount.init)
    maxAttempts = change.maxAttempts
    addedTrials = result.addedTrials
    duplicatesRemoved = result.duplicatesRemoved
  }

  /// The extension as the spec applies it.
  public var sweepExtension: SweepExtension {
    SweepExtension(
      id: extensionId, trials: Dictionary(trials.map { ($0.domain, $0.trials) }, uniquingKeysWith: { a, _ in a }),
      newDomains: addDomains, newDomainTrials: newDomainTrials, budget: budgetUsd?.micros, maxAttempts: maxAttempts)
  }
}
