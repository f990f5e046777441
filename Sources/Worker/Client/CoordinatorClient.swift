import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import Shared
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The worker's side of API v1. Every call makes one attempt and classifies its failure
/// (``ClientError``); the agent owns the retry policy, documented on each caller.
public final class CoordinatorClient: Sendable {
  public let baseURL: String
  let http: HTTPClient
  let credential: LockedValue<String>

  /// `caCertificate`: a PEM file of the authority that signed the coordinator's certificate (for
  /// a self-signed coordinator); without it the system's trust store is used.
  public init(baseURL: String, credential: String, caCertificate: String? = nil) {
    var url = baseURL
    while url.hasSuffix("/") { url.removeLast() }
    self.baseURL = url
    self.credential = LockedValue(credential)
    var configuration = HTTPClient.Configuration()
    // The agent retries with its own backoff; a dead coordinator should fail the call at once.
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout.connect = .seconds(5)
    if let caCertificate {
      var tls = TLSConfiguration.makeClientConfiguration()
      tls.trustRoots = .file(caCertificate)
      configuration.tlsConfiguration = tls
    }
    http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  public func shutdown() async { try? await http.shutdown() }

  public func setCredential(_ value: String) { credential.set(value) }

  /// Registers with the join token. Retry: the caller retries retryable errors with backoff.
  public func register(_ request: RegisterWorkerRequest, joinToken: String) async throws(ClientError)
    -> RegisterWorkerResponse
  {
    let response = try await call(
      .POST, "/v1/workers", body: request, token: joinToken, as: RegisterWorkerResponse.self)
    guard response.apiVersion.split(separator: ".").first == Substring(WireCoding.apiVersion) else {
      throw .unrecoverable(
        .incompatible, code: "incompatible_api",
        message:
          "the coordinator speaks API \(response.apiVersion); this worker speaks \(WireCoding.apiVersion) — upgrade one of them"
      )
    }
    return response
  }

  /// Asks for a lease, long-polling `wait` seconds; `paused` says why this worker takes no work
  /// now (it is then answered `no_work: paused` at once). Retry: the slot loop backs off on
  /// retryable errors. Timeout: `wait` + 10 s — a live coordinator answers within `wait`, and
  /// one that is asleep must not hold a rented box past its `--max-idle` for long.
  public func lease(wait: Double, paused: PauseReason?) async throws(ClientError) -> LeaseResponse {
    try await call(
      .POST, "/v1/leases", body: LeaseRequest(wait: wait, paused: paused), as: LeaseResponse.self,
      timeout: .seconds(Int64(wait.rounded(.up)) + 10))
  }

  /// Renews a lease. Retry: none — the next heartbeat is the retry; meanwhile the allowance keeps counting down.
  public func heartbeat(leaseID: String, _ request: HeartbeatRequest) async throws(ClientError) -> HeartbeatResponse {
    try await call(.POST, "/v1/leases/\(leaseID)/heartbeat", body: request, as: HeartbeatResponse.self)
  }

  /// Reports one attempt. Retry: the result sender retries retryable errors forever, with backoff,
  /// from the spool; a rejection is final.
  public func report(trialID: String, _ report: ResultReport) async throws(ClientError) -> ResultAck {
    try await call(.POST, "/v1/trials/\(trialID)/results", body: report, as: ResultAck.self)
  }

  /// Reports several attempts in one request (`POST /v1/results`); each gets its own outcome.
  /// Retry: as ``report(trialID:_:)``, per outcome; if the whole request is rejected (an older
  /// coordinator without the route, a batch it refuses) the sender falls back to single reports.
  public func reportBatch(_ results: [BatchedResult]) async throws(ClientError) -> ResultBatchResponse {
    try await call(.POST, "/v1/results", body: ResultBatchRequest(results: results), as: ResultBatchResponse.self)
  }

  /// Gives back trials not started. Retry: a few times; if it fails the lease simply expires.
  public func release(leaseID: String, _ request: ReleaseRequest) async throws(ClientError) -> ReleaseResponse {
    try await call(.POST, "/v1/leases/\(leaseID)/release", body: request, as: ReleaseResponse.self)
  }

  /// Deregisters this worker. Retry: none; best effort on exit.
  public func deregister(workerID: String) async throws(ClientError) {
    _ = try await call(.DELETE, "/v1/workers/\(workerID)", body: Optional<Int>.none, as: [String: String].self)
  }

  /// Uploads an attempt's output archive, streamed from the file with its sha256 in a header.
  /// Retry: the uploader retries retryable errors with backoff and a digest mismatch up to 3 times.
  public func uploadArtifact(_ entry: UploadQueue.Entry, archive: String) async throws(ClientError)
    -> ArtifactUploadAck
  {
    var request = HTTPClientRequest(
      url: baseURL + "/v1/trials/\(entry.trialId)/attempts/\(entry.attempt)/artifact?sweep_id=\(entry.sweepId)")
    request.method = .PUT
    request.headers.add(name: "Content-Type", value: "application/x-tar")
    request.headers.add(name: "X-Artifact-SHA256", value: entry.sha256)
    request.body = .stream(FileChunks(path: archive), length: .known(entry.bytes))
    // a 200 MB archive over a slow uplink: minutes, not the 30 s of a JSON call
    return try await send(request, token: nil, as: ArtifactUploadAck.self, timeout: .seconds(3600))
  }

  private func call<Body: Encodable, Reply: Decodable>(
    _ method: HTTPMethod, _ path: String, body: Body?, token: String? = nil, as: Reply.Type,
    timeout: Duration = .seconds(30)
  ) async throws(ClientError) -> Reply {
    var request = HTTPClientRequest(url: baseURL + path)
    request.method = method
    if let body {
      request.headers.add(name: "Content-Type", value: "application/json")
      do {
        request.body = .bytes(ByteBuffer(bytes: try WireCoding.encoder().encode(body)))
      } catch {
        throw .rejected(status: 0, code: "encode", message: "cannot encode the request: \(error)")
      }
    }
    return try await send(request, token: token, as: Reply.self, timeout: timeout)
  }

  private func send<Reply: Decodable>(
    _ request: HTTPClientRequest, token: String?, as: Reply.Type, timeout: Duration
  ) async throws(ClientError) -> Reply {
    var request = request
    let method = request.method
    let path = request.url.dropFirst(baseURL.count)
    request.headers.add(name: "Authorization", value: "Bearer \(token ?? credential.value)")
    let status: Int
    let bytes: ByteBuffer
    do {
      let response = try await http.execute(request, timeout: .nanoseconds(timeout.wholeNanoseconds))
      status = Int(response.status.code)
      bytes = try await response.body.collect(upTo: 64 << 20)
    } catch {
      throw .retryable("cannot reach the coordinator at \(baseURL): \(error)")
    }
    let data = Data(bytes.readableBytesView)
    guard (200..<300).contains(status) else {
      let detail = try? WireCoding.decoder().decode(APIErrorBody.self, from: data)
      let code = detail?.error.code ?? "http_\(status)"
      let message = detail?.error.message ?? String(decoding: data.prefix(500), as: UTF8.self)
      switch status {
      case 401, 403:
        throw .unrecoverable(
          .unauthorized, code: code,
          message: "the coordinator refused this worker's token (\(status) \(code)): \(message)")
      case 410:
        throw .unrecoverable(.gone, code: code, message: "this worker was deregistered: \(message)")
      case 429, 500...:
        throw .retryable("the coordinator answered \(status) \(code): \(message)")
      default:
        throw .rejected(status: status, code: code, message: message)
      }
    }
    do {
      return try WireCoding.decoder().decode(Reply.self, from: data)
    } catch {
      throw .retryable("unexpected answer from the coordinator to \(method) \(path): \(error)")
    }
  }
}

extension Duration {
  var wholeNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
