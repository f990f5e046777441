/// Where a worker runs; `local` machines are usually free, the others rented.
public enum Provider: String, Hashable, Sendable, Codable, CaseIterable {
  case local, runpod, vast, lambda, colab, other
}

/// `POST /v1/workers`: a machine joins with the worker join token.
public struct RegisterWorkerRequest: Hashable, Sendable, Codable {
  public var name: String
  public var provider: Provider
  /// Price of one hour of this machine; `0` for a free laptop.
  public var hourlyCostUsd: DollarAmount
  public var gpu: String?
  /// Trials it runs in parallel (one lease per slot).
  public var slots: Int
  public var labels: [String: String]?

  public init(
    name: String, provider: Provider, hourlyCostUsd: DollarAmount, gpu: String? = nil, slots: Int = 1,
    labels: [String: String]? = nil
  ) {
    self.name = name
    self.provider = provider
    self.hourlyCostUsd = hourlyCostUsd
    self.gpu = gpu
    self.slots = slots
    self.labels = labels
  }
}

/// The answer to a registration: the worker's own credential and the timing it must keep.
public struct RegisterWorkerResponse: Hashable, Sendable, Codable {
  public var workerId: String
  /// Bearer credential for every later call of this worker; shown once.
  public var credential: String
  public var leaseTtlS: Double
  public var heartbeatIntervalS: Double
  public var apiVersion: String

  public init(workerId: String, credential: String, leaseTtlS: Double, heartbeatIntervalS: Double, apiVersion: String) {
    self.workerId = workerId
    self.credential = credential
    self.leaseTtlS = leaseTtlS
    self.heartbeatIntervalS = heartbeatIntervalS
    self.apiVersion = apiVersion
  }
}

/// A worker as the admin API lists it.
public struct WorkerSummary: Hashable, Sendable, Codable {
  public var id: String
  public var name: String
  public var provider: Provider
  public var hourlyCostUsd: DollarAmount
  public var gpu: String?
  public var slots: Int
  public var labels: [String: String]
  /// `active`, `lost` (missed heartbeats) or `deregistered`.
  public var state: WorkerState
  public var currentLeases: [String]
  public var trialsDone: Int
  public var spentUsd: DollarAmount
  public var lastSeen: String
  public var registeredAt: String
  /// Why the worker takes no new work now (a laptop on battery or hot), as it last said.
  public var paused: PauseReason?

  public init(
    id: String, name: String, provider: Provider, hourlyCostUsd: DollarAmount, gpu: String?, slots: Int,
    labels: [String: String], state: WorkerState, currentLeases: [String], trialsDone: Int, spentUsd: DollarAmount,
    lastSeen: String, registeredAt: String, paused: PauseReason? = nil
  ) {
    self.paused = paused
    self.id = id
    self.name = name
    self.provider = provider
    self.hourlyCostUsd = hourlyCostUsd
    self.gpu = gpu
    self.slots = slots
    self.labels = labels
    self.state = state
    self.currentLeases = currentLeases
    self.trialsDone = trialsDone
    self.spentUsd = spentUsd
    self.lastSeen = lastSeen
    self.registeredAt = registeredAt
  }
}

/// `GET /v1/workers`.
public struct WorkerList: Hashable, Sendable, Codable {
  public var workers: [WorkerSummary]
  public init(workers: [WorkerSummary]) { self.workers = workers }
}
