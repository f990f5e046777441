import AsyncHTTPClient
import Foundation
import NIOCore
import Shared

/// A lightweight worker for load: it long-polls for leases over real HTTP and reports every
/// trial at once as succeeded, recording how long each call took. Many run in one process.
public struct SimulatedWorker: Sendable {
  public let credential: String
  public let base: String
  public let http: HTTPClient
  /// Long-poll wait sent with each lease request, in seconds.
  public var wait: Int = 2
  /// Stop after this many leases (nil: until the coordinator has no pending trials).
  public var maxLeases: Int?
  /// "No pending trials" answers in a row after which the worker stops.
  public var idleLimit = 2
  /// Keep each completed trial's id (for exactly-once checks; costs memory at a million trials).
  public var keepTrialIDs = false
  /// Report a lease's trials in one `POST /v1/results`, as `sweep-worker` does when several
  /// results are waiting; otherwise one `POST /v1/trials/{id}/results` each.
  public var batchReports = false

  public init(credential: String, base: String, http: HTTPClient) {
    self.credential = credential
    self.base = base
    self.http = http
  }

  /// What one or many workers saw.
  public struct Tally: Sendable {
    public var completed = 0
    public var trialIDs: [String] = []
    /// Microseconds per lease request and per result report.
    public var leaseMicros: [UInt64] = []
    public var reportMicros: [UInt64] = []
    public var unexpected: [String] = []
    /// Requests sent again after a connection-level failure (every call here may be repeated).
    public var retries = 0
    /// When the last trial was acknowledged (so that the final idle polls do not count).
    public var lastCompletion: ContinuousClock.Instant?

    public init() {}

    public mutating func merge(_ other: Tally) {
      completed += other.completed
      trialIDs += other.trialIDs
      leaseMicros += other.leaseMicros
      reportMicros += other.reportMicros
      unexpected += other.unexpected
      retries += other.retries
      if let theirs = other.lastCompletion { lastCompletion = max(lastCompletion ?? theirs, theirs) }
    }
  }

  public func run() async throws -> Tally {
    var tally = Tally()
    var leases = 0
    var idle = 0
    while idle < idleLimit, maxLeases.map({ leases < $0 }) ?? true {
      let began = ContinuousClock.now
      let (status, body) = try await send(base + "/v1/leases", "{\"wait\": \(wait)}", &tally)
      let took = Self.micros(since: began)
      guard status == 200, let response = try? WireCoding.decoder().decode(LeaseResponse.self, from: body) else {
        tally.unexpected.append("lease \(status): \(String(decoding: body, as: UTF8.self))")
        return tally
      }
      guard let lease = response.lease else {
        if response.noWork != .noPendingTrials {
          tally.unexpected.append("no work: \(String(describing: response.noWork))")
        }
        idle += 1
        continue
      }
      idle = 0
      leases += 1
      tally.leaseMicros.append(took)  // granted leases only: a "no work" answer waits out its long-poll
      if batchReports {
        try await reportBatch(lease, into: &tally)
        continue
      }
      for trial in lease.trials {
        let report = ResultReport(
          sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
          status: .succeeded, metrics: ["accuracy": 0.5], durationS: 0)
        let body = String(decoding: try WireCoding.encoder().encode(report), as: UTF8.self)
        let sent = ContinuousClock.now
        let (status, answer) = try await send(base + "/v1/trials/\(trial.trialId)/results", body, &tally)
        tally.reportMicros.append(Self.micros(since: sent))
        if status == 200, (try? WireCoding.decoder().decode(ResultAck.self, from: answer))?.outcome == .completed {
          tally.completed += 1
          tally.lastCompletion = .now
          if keepTrialIDs { tally.trialIDs.append(trial.trialId) }
        } else {
          tally.unexpected.append("report \(status): \(String(decoding: answer, as: UTF8.self))")
        }
      }
    }
    return tally
  }

  private func reportBatch(_ lease: LeaseGrant, into tally: inout Tally) async throws {
    let results = lease.trials.map { trial in
      BatchedResult(
        trialId: trial.trialId,
        report: ResultReport(
          sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
          status: .succeeded, metrics: ["accuracy": 0.5], durationS: 0))
    }
    let body = String(decoding: try WireCoding.encoder().encode(ResultBatchRequest(results: results)), as: UTF8.self)
    let sent = ContinuousClock.now
    let (status, answer) = try await send(base + "/v1/results", body, &tally)
    tally.reportMicros.append(Self.micros(since: sent))
    guard status == 200, let response = try? WireCoding.decoder().decode(ResultBatchResponse.self, from: answer) else {
      tally.unexpected.append("batch report \(status): \(String(decoding: answer, as: UTF8.self))")
      return
    }
    for outcome in response.results {
      if outcome.ack?.outcome == .completed {
        tally.completed += 1
        if keepTrialIDs { tally.trialIDs.append(outcome.trialId) }
      } else {
        tally.unexpected.append("batch report of \(outcome.trialId): \(outcome.status) \(outcome.error?.message ?? "")")
      }
    }
    tally.lastCompletion = .now
  }

  /// Posts with the worker's credential; a connection that cannot be made or breaks (a
  /// loaded machine's listen queue overflowing, say) is tried again up to four times with
  /// backoff, as `sweep-worker` retries: lease requests and reports are safe to repeat.
  private func send(_ url: String, _ body: String, _ tally: inout Tally) async throws -> (Int, Data) {
    var delay = Duration.milliseconds(100)
    for _ in 0..<4 {
      do {
        return try await Self.post(http, url, credential, body)
      } catch {
        tally.retries += 1
        try await Task.sleep(for: delay)
        delay *= 2
      }
    }
    return try await Self.post(http, url, credential, body)
  }

  /// Registers `count` free workers with the join token; returns their credentials.
  public static func register(count: Int, base: String, joinToken: String, http: HTTPClient) async throws -> [String] {
    var credentials: [String] = []
    for index in 0..<count {
      let request = RegisterWorkerRequest(name: "sim-\(index)", provider: .local, hourlyCostUsd: DollarAmount(.zero))
      let body = String(decoding: try WireCoding.encoder().encode(request), as: UTF8.self)
      let (status, answer) = try await post(http, base + "/v1/workers", joinToken, body)
      guard status == 201, let response = try? WireCoding.decoder().decode(RegisterWorkerResponse.self, from: answer)
      else { throw LoadError("registering worker \(index): HTTP \(status) \(String(decoding: answer, as: UTF8.self))") }
      credentials.append(response.credential)
    }
    return credentials
  }

  /// Runs `workers` concurrently and merges what they saw.
  public static func runAll(_ workers: [SimulatedWorker]) async throws -> Tally {
    try await withThrowingTaskGroup(of: Tally.self) { group in
      for worker in workers { group.addTask { try await worker.run() } }
      var tally = Tally()
      for try await one in group { tally.merge(one) }
      return tally
    }
  }

  /// Runs `body` with a client of `connections` connections, shutting it down however `body` ends.
  public static func withClient<T>(connections: Int, _ body: (HTTPClient) async throws -> T) async throws -> T {
    let http = client(connections: connections)
    do {
      let value = try await body(http)
      try await http.shutdown()
      return value
    } catch {
      try? await http.shutdown()
      throw error
    }
  }

  /// An HTTP client with one connection per simulated worker.
  public static func client(connections: Int) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(connections, 8)
    configuration.timeout.connect = .seconds(30)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  public static func post(
    _ http: HTTPClient, _ url: String, _ bearer: String, _ body: String, contentType: String = "application/json"
  ) async throws -> (Int, Data) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(bearer)")
    request.headers.add(name: "Content-Type", value: contentType)
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await http.execute(request, timeout: .seconds(300))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), Data(bytes.readableBytesView))
  }

  static func micros(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = ContinuousClock.now - start
    return UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
  }
}

public struct LoadError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
