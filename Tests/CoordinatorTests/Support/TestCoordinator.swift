import Coordinator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Shared

/// A coordinator on a fresh SQLite file in a temporary folder, with a manual clock and known tokens.
struct TestCoordinator {
  static let adminToken = "test-admin-token"
  static let joinToken = "test-join-token"
  static let viewerToken = "test-viewer-token"

  let directory: URL
  let clock: ManualWallClock
  let server: CoordinatorServer
  var databasePath: String { directory.appendingPathComponent("sweep.db").path }

  /// `detectAbsence` is off unless asked for: most tests move the manual clock by hours on purpose.
  init(
    ttl: Duration = .seconds(60), maxBody: Int = 1 << 20, directory: URL? = nil, clock: ManualWallClock? = nil,
    detectAbsence: Bool = false
  ) async throws {
    let directory =
      directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("lorasweep-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    self.directory = directory
    self.clock = clock ?? ManualWallClock()
    var configuration = CoordinatorServer.Configuration()
    configuration.databasePath = directory.appendingPathComponent("sweep.db").path
    configuration.leaseTTL = ttl
    configuration.maxBodyBytes = maxBody
    configuration.adminToken = Self.adminToken
    configuration.workerToken = Self.joinToken
    configuration.viewerToken = Self.viewerToken
    configuration.port = 0
    configuration.detectAbsence = detectAbsence
    server = try await CoordinatorServer.prepare(configuration, clock: self.clock)
  }

  /// The same database opened again, as after a restart.
  func restarted() async throws -> TestCoordinator {
    try (server.store as? SQLiteStore)?.close()
    return try await TestCoordinator(ttl: server.configuration.leaseTTL, directory: directory, clock: clock)
  }

  func cleanUp() {
    try? (server.store as? SQLiteStore)?.close()
    try? FileManager.default.removeItem(at: directory)
  }

  /// The API router alone, for HummingbirdTesting's `.router` mode (no services running).
  var routerApplication: some ApplicationProtocol {
    Application(router: APIRouter.make(server.environment), logger: Logger(label: "test"))
  }

  /// The whole server with its reaper, for `.live` tests on a real loopback port.
  var liveApplication: some ApplicationProtocol {
    get throws {
      var logger = Logger(label: "test")
      logger.logLevel = .warning
      return try server.application(logger: logger)
    }
  }
}

/// Typed calls against a HummingbirdTesting client.
struct APICaller {
  let client: any TestClientProtocol

  struct Reply {
    var status: HTTPResponse.Status
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireCoding.decoder().decode(T.self, from: body) }
    var errorCode: String? { (try? decode(APIErrorBody.self))?.error.code }
  }

  func call(
    _ method: HTTPRequest.Method, _ path: String, token: String?, body: String? = nil,
    contentType: String? = "application/json"
  ) async throws -> Reply {
    var headers = HTTPFields()
    if let token { headers[.authorization] = "Bearer \(token)" }
    if body != nil, let contentType { headers[.contentType] = contentType }
    return try await client.execute(
      uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
    ) { response in
      Reply(status: response.status, body: Data(buffer: response.body))
    }
  }

  func json(_ value: some Encodable) throws -> String {
    String(decoding: try WireCoding.encoder().encode(value), as: UTF8.self)
  }

  /// Registers a worker and returns its credential.
  func register(name: String, rate: String = "0", slots: Int = 1, provider: Provider = .local) async throws
    -> RegisterWorkerResponse
  {
    let body = try json(
      RegisterWorkerRequest(
        name: name, provider: provider, hourlyCostUsd: DollarAmount(try MicroDollars.parse(rate)), slots: slots))
    let reply = try await call(.post, "/v1/workers", token: TestCoordinator.joinToken, body: body)
    guard reply.status == .created else { throw TestFailure("register \(name): \(reply.status) \(reply.text)") }
    return try reply.decode(RegisterWorkerResponse.self)
  }

  func submit(_ yaml: String) async throws -> SweepCreated {
    let reply = try await call(
      .post, "/v1/sweeps", token: TestCoordinator.adminToken, body: yaml, contentType: "application/yaml")
    guard reply.status == .created else { throw TestFailure("submit: \(reply.status) \(reply.text)") }
    return try reply.decode(SweepCreated.self)
  }

  func lease(_ credential: String, wait: Double = 0) async throws -> LeaseResponse {
    let reply = try await call(.post, "/v1/leases", token: credential, body: "{\"wait\": \(wait)}")
    guard reply.status == .ok else { throw TestFailure("lease: \(reply.status) \(reply.text)") }
    return try reply.decode(LeaseResponse.self)
  }

  func report(
    _ credential: String, lease: LeaseGrant, trial: LeasedTrial, status: AttemptStatus = .succeeded,
    metrics: [String: Double] = ["accuracy": 0.8]
  ) async throws -> Reply {
    let report = ResultReport(
      sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
      status: status, metrics: metrics, exitCode: status == .succeeded ? 0 : 1, durationS: 1)
    return try await call(.post, "/v1/trials/\(trial.trialId)/results", token: credential, body: try json(report))
  }

  func heartbeat(_ credential: String, lease: LeaseGrant, progress: [TrialProgress] = []) async throws -> Reply {
    try await call(
      .post, "/v1/leases/\(lease.leaseId)/heartbeat", token: credential,
      body: try json(HeartbeatRequest(fencingToken: lease.fencingToken, progress: progress)))
  }

  func status(_ sweepID: String) async throws -> SweepStatus {
    try await call(.get, "/v1/sweeps/\(sweepID)", token: TestCoordinator.adminToken).decode(SweepStatus.self)
  }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Small specs for coordinator tests; the command is irrelevant here (no worker runs it).
enum TestSpecs {
  static func sweep(
    name: String = "t", domains: String = "[a, b]", trials: Int = 3, shardSize: Int = 1, budget: String = "10",
    maxAttempts: Int = 2, minutes: Double = 1
  ) -> String {
    """
    name: \(name)
    budget_usd: \(budget)
    domains: \(domains)
    sampler: lhs
    trials_per_domain: \(trials)
    shard_size: \(shardSize)
    max_attempts: \(maxAttempts)
    estimate: {minutes_per_trial: \(minutes)}
    space:
      rank: {int: [4, 64], log: true}
      wd: {log_uniform: [1e-6, 1e-3]}
    command: [train, "{rank}", "{wd}"]
    """
  }
}
