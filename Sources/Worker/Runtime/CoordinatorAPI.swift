import Shared

/// The coordinator as the worker sees it (API v1), injected so that tests drive the real agent
/// against a scripted coordinator. Every call makes one attempt and classifies its failure
/// (``ClientError``); the retry policy belongs to the caller and is documented there.
/// ``CoordinatorClient`` is the HTTP implementation.
public protocol CoordinatorAPI: Sendable {
  /// The worker credential sent with every call after registration.
  func setCredential(_ value: String)
  func register(_ request: RegisterWorkerRequest, joinToken: String) async throws(ClientError)
    -> RegisterWorkerResponse
  func lease(wait: Double, paused: PauseReason?) async throws(ClientError) -> LeaseResponse
  func heartbeat(leaseID: String, _ request: HeartbeatRequest) async throws(ClientError) -> HeartbeatResponse
  func report(trialID: String, _ report: ResultReport) async throws(ClientError) -> ResultAck
  func reportBatch(_ results: [BatchedResult]) async throws(ClientError) -> ResultBatchResponse
  func release(leaseID: String, _ request: ReleaseRequest) async throws(ClientError) -> ReleaseResponse
  func deregister(workerID: String) async throws(ClientError)
  /// Uploads an attempt's output archive (the file at `archive`), streamed.
  func uploadArtifact(_ entry: UploadQueue.Entry, archive: String) async throws(ClientError) -> ArtifactUploadAck
  /// Closes connections; the last call.
  func shutdown() async
}

extension CoordinatorClient: CoordinatorAPI {}
