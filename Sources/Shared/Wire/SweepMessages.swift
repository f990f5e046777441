/// Trial counts by state.
public struct TrialCounts: Hashable, Sendable, Codable {
  public var pending: Int
  public var leased: Int
  public var succeeded: Int
  public var failed: Int
  public var cancelled: Int

  public init(pending: Int = 0, leased: Int = 0, succeeded: Int = 0, failed: Int = 0, cancelled: Int = 0) {
    self.pending = pending
    self.leased = leased
    self.succeeded = succeeded
    self.failed = failed
    self.cancelled = cancelled
  }

  public var total: Int { pending + leased + succeeded + failed + cancelled }
  /// Trials that will not run again.
  public var finished: Int { succeeded + failed + cancelled }
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

  public init(domain: String, counts: TrialCounts, best: BestTrial?, spentUsd: DollarAmount) {
    self.domain = domain
    self.counts = counts
    self.best = best
    self.spentUsd = spentUsd
  }
}

/// `GET /v1/sweeps/{id}`: a sweep's state, money and per-domain progress.
public struct SweepStatus: Hashable, Sendable, Codable {
  public var id: String
  public var name: String
  /// `running`, `completed` or `cancelled`.
  public var state: String
  public var createdAt: String
  public var budgetUsd: DollarAmount
  public var spentUsd: DollarAmount
  public var reservedUsd: DollarAmount
  public var remainingUsd: DollarAmount
  public var objective: Objective
  public var counts: TrialCounts
  public var domains: [DomainStatus]

  public init(
    id: String, name: String, state: String, createdAt: String, budgetUsd: DollarAmount, spentUsd: DollarAmount,
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
