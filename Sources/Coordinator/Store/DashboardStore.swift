import Shared

/// What the dashboard reads beyond the API's own queries: the trials running now with their
/// heartbeats' progress, one trial's whole story, the ledger over time. Only the SQLite store
/// keeps this history (the simulator's memory store does not), so the dashboard is served by
/// `sweep serve` alone.
public protocol DashboardStore: Sendable {
  /// The trials of the sweep running now, with their latest and earlier progress.
  func runningTrials(sweepID: String) async throws -> [RunningTrial]
  /// Trial counts per domain and stage.
  func stageCounts(sweepID: String) async throws -> [DomainProgress]
  /// One trial: its parameters, state, attempts, progress history and last output.
  func trialDetail(sweepID: String, trialID: String) async throws -> TrialDetail
  /// The ledger as sampled over time, oldest first.
  func ledgerSamples(sweepID: String) async throws -> [LedgerSample]
  /// Samples the ledger of every running or paused sweep whose spend or holds changed since its
  /// last sample (or that has none). Returns how many samples were written.
  @discardableResult func sampleLedgers(now: Timestamp) async throws -> Int
}

/// One trial as its page shows it.
public struct TrialDetail: Sendable {
  public var trialID: String
  public var domain: String
  public var state: String
  public var origin: String
  public var stage: Int
  public var params: [(String, ParameterValue)]
  public var objective: Double?
  public var attempts: [AttemptDetail]
  /// The progress of its attempts, oldest first.
  public var history: [(attempt: Int, point: ProgressPoint)]
  /// The final metrics of its reported attempts, by attempt.
  public var metrics: [Int: [String: Double]]
  /// The last lines of output of its latest reported attempt.
  public var outputTail: String?
}

public struct AttemptDetail: Sendable {
  public var attempt: Int
  public var state: String
  public var reason: String?
  public var worker: String
  public var startedAt: Timestamp
  public var endedAt: Timestamp?
  public var cost: MicroDollars
}
