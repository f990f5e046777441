import Shared
import Synchronization

@testable import Worker

/// A scripted coordinator for in-process agent tests: it records every call in order, answers
/// lease requests from a queue, can be taken offline (every call then fails as unreachable), and
/// lets a test await a condition on the calls instead of sleeping.
final class FakeCoordinator: CoordinatorAPI {
  enum Call: Equatable, CustomStringConvertible {
    case register
    case lease(paused: PauseReason?)
    case heartbeat(lease: String, paused: PauseReason?)
    case report(trial: String, status: AttemptStatus)
    case release(lease: String, trials: [String])
    case deregister
    case upload(trial: String)

    var description: String {
      switch self {
      case .register: "register"
      case .lease(let paused): "lease\(paused.map { "(paused: \($0.rawValue))" } ?? "")"
      case .heartbeat(let lease, let paused): "heartbeat(\(lease)\(paused.map { ", paused: \($0.rawValue)" } ?? ""))"
      case .report(let trial, let status): "report(\(trial): \(status.rawValue))"
      case .release(let lease, let trials): "release(\(lease): \(trials.joined(separator: ",")))"
      case .deregister: "deregister"
      case .upload(let trial): "upload(\(trial))"
      }
    }
  }

  private struct State {
    var calls: [Call] = []
    var leases: [LeaseResponse] = []
    var online = true
    var heartbeat = HeartbeatResponse(expiresAt: "2026-12-02T00:00:00Z", allowanceS: nil, actions: [])
    var waiters: [(condition: @Sendable ([Call]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    /// Spooled result keys seen at the moment each report arrived (durable before sent).
    var spooledAtReport: [String] = []
    /// Every report body that arrived, in order.
    var reports: [ResultReport] = []
    /// Answers to the next uploads, in order, before they succeed.
    var uploadFailures: [ClientError] = []
    /// Archives received: the entry and the bytes of the file.
    var uploads: [(entry: UploadQueue.Entry, bytes: [UInt8])] = []
  }
  private let state = Mutex(State())
  /// Read when a report arrives, to check the result was spooled before it was sent.
  let spool: @Sendable () -> String

  init(leases: [LeaseResponse] = [], spool: @escaping @Sendable () -> String = { "" }) {
    self.spool = spool
    state.withLock { $0.leases = leases }
  }

  var calls: [Call] { state.withLock { $0.calls } }
  var spooledAtReport: [String] { state.withLock { $0.spooledAtReport } }
  var reports: [ResultReport] { state.withLock { $0.reports } }
  var uploads: [(entry: UploadQueue.Entry, bytes: [UInt8])] { state.withLock { $0.uploads } }
  func failUploads(_ errors: [ClientError]) { state.withLock { $0.uploadFailures = errors } }

  func uploadArtifact(_ entry: UploadQueue.Entry, archive: String) async throws(ClientError) -> ArtifactUploadAck {
    try record(.upload(trial: entry.trialId))
    let bytes = FileSystem.read(archive) ?? []
    let failure: ClientError? = state.withLock { state in
      if !state.uploadFailures.isEmpty { return state.uploadFailures.removeFirst() }
      state.uploads.append((entry, bytes))
      return nil
    }
    if let failure { throw failure }
    return ArtifactUploadAck(trialId: entry.trialId, attempt: entry.attempt, sha256: entry.sha256, kept: true)
  }

  func setOnline(_ online: Bool) { state.withLock { $0.online = online } }
  func queue(_ response: LeaseResponse) { state.withLock { $0.leases.append(response) } }

  /// Returns once the calls so far satisfy `condition`.
  func until(_ condition: @escaping @Sendable ([Call]) -> Bool) async {
    await withCheckedContinuation { continuation in
      let ready = state.withLock { state in
        if condition(state.calls) { return true }
        state.waiters.append((condition, continuation))
        return false
      }
      if ready { continuation.resume() }
    }
  }

  /// Records the call, wakes matching waiters, and fails it when offline.
  private func record(_ call: Call) throws(ClientError) {
    let (online, ready) = state.withLock { state in
      state.calls.append(call)
      let calls = state.calls
      let ready = state.waiters.filter { $0.condition(calls) }.map(\.continuation)
      state.waiters.removeAll { $0.condition(calls) }
      return (state.online, ready)
    }
    for waiter in ready { waiter.resume() }
    if !online { throw .retryable("cannot reach the coordinator (test: offline)") }
  }

  func setCredential(_ value: String) {}

  func register(_ request: RegisterWorkerRequest, joinToken: String) async throws(ClientError)
    -> RegisterWorkerResponse
  {
    try record(.register)
    return RegisterWorkerResponse(
      workerId: "wk-1", credential: "secret", leaseTtlS: 30, heartbeatIntervalS: 10, apiVersion: WireCoding.apiVersion)
  }

  func lease(wait: Double, paused: PauseReason?) async throws(ClientError) -> LeaseResponse {
    try record(.lease(paused: paused))
    if paused != nil { return LeaseResponse(noWork: .paused, message: "paused", retryAfterS: 60) }
    return state.withLock { state in
      state.leases.isEmpty
        ? LeaseResponse(noWork: .noPendingTrials, message: "nothing pending", retryAfterS: 5)
        : state.leases.removeFirst()
    }
  }

  func heartbeat(leaseID: String, _ request: HeartbeatRequest) async throws(ClientError) -> HeartbeatResponse {
    try record(.heartbeat(lease: leaseID, paused: request.paused))
    return state.withLock { $0.heartbeat }
  }

  func report(trialID: String, _ report: ResultReport) async throws(ClientError) -> ResultAck {
    let spooled = spool()
    state.withLock {
      $0.spooledAtReport.append(spooled)
      $0.reports.append(report)
    }
    try record(.report(trial: trialID, status: report.status))
    return ResultAck(
      trialId: trialID, attempt: report.attempt, outcome: .completed, trialState: "succeeded",
      costUsd: DollarAmount(MicroDollars(0)))
  }

  func reportBatch(_ results: [BatchedResult]) async throws(ClientError) -> ResultBatchResponse {
    var outcomes: [BatchedResultOutcome] = []
    for result in results {
      let ack = try await report(trialID: result.trialId, result.report)
      outcomes.append(BatchedResultOutcome(trialId: result.trialId, attempt: result.report.attempt, ack: ack))
    }
    return ResultBatchResponse(results: outcomes)
  }

  func release(leaseID: String, _ request: ReleaseRequest) async throws(ClientError) -> ReleaseResponse {
    try record(.release(lease: leaseID, trials: request.trialIds ?? []))
    return ReleaseResponse(released: request.trialIds ?? [], leaseClosed: true)
  }

  func deregister(workerID: String) async throws(ClientError) { try record(.deregister) }

  func shutdown() async {}
}

extension LeaseResponse {
  /// A grant of `trials` (ids t1, t2, …) in lease `id`.
  static func grant(
    _ id: String, trials: Int, ttl: Double = 30, allowance: Double? = nil, timeout: Double? = nil
  ) -> LeaseResponse {
    LeaseResponse(
      lease: LeaseGrant(
        leaseId: id, sweepId: "sw-1", sweepName: "test", fencingToken: 1, expiresAt: "2026-12-02T00:00:00Z",
        ttlS: ttl, allowanceS: allowance, stopGraceS: 5, trialTimeoutS: timeout, objectiveMetric: "accuracy",
        trials: (1...trials).map {
          LeasedTrial(trialId: "t\($0)", domain: "a", attempt: 1, params: [:], argv: ["train", "t\($0)"])
        }))
  }
}
