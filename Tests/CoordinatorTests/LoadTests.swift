import AsyncHTTPClient
import Coordinator
import Foundation
import HummingbirdTesting
import NIOCore
import Shared
import SpecReading
import Testing

/// 1,000 simulated workers (one process, real HTTP on loopback, one connection each) long-poll and
/// complete trivial trials for a fixed number of rounds: nothing lost, nothing but documented
/// answers. Lease latency percentiles are printed (figures, not assertions: machines are noisy).
@Suite struct LoadTests {
  static let workers = 1_000
  static let rounds = 2

  @Test func aThousandWorkersCompleteEveryTrialExactlyOnce() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(600))
    defer { coordinator.cleanUp() }
    let store = coordinator.server.store
    var credentials: [String] = []
    for index in 0..<Self.workers {
      let secret = Tokens.generate(prefix: "")
      let id = "wk-load\(index)"
      try await store.registerWorker(
        RegisterWorkerRequest(name: "load-\(index)", provider: .local, hourlyCostUsd: DollarAmount(.zero)), id: id,
        secretHash: Tokens.hash(secret), now: coordinator.clock.now)
      credentials.append("\(id).\(secret)")
    }
    let total = Self.workers * Self.rounds
    let spec = try SpecDecoder.decode(
      "name: load\ndomains: [a]\nsampler: random\ntrials_per_domain: \(total)\nspace:\n  x: {uniform: [0, 1]}\ncommand: [run]\n",
      file: "load.yaml")
    _ = try await store.createSweep(
      id: "sw-load", spec: spec, plan: SweepPlan(spec: spec), specText: "", now: coordinator.clock.now)
    let workerCredentials = credentials
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.workers
    configuration.timeout.connect = .seconds(30)
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let started = ContinuousClock.now
    let outcome = try await coordinator.liveApplication.test(.live) { client in
      let base = "http://127.0.0.1:\(client.port!)"
      return try await withThrowingTaskGroup(of: WorkerTally.self) { group in
        for credential in workerCredentials {
          group.addTask { try await Self.simulate(credential: credential, base: base, http: http) }
        }
        var tally = WorkerTally()
        for try await one in group { tally.merge(one) }
        return tally
      }
    }
    try await http.shutdown()
    let elapsed = ContinuousClock.now - started
    let status = try await store.sweepStatus(id: "sw-load")
    #expect(outcome.unexpected.isEmpty, "\(outcome.unexpected.prefix(5))")
    #expect(outcome.completed == total)
    #expect(Set(outcome.trialIDs).count == total)
    #expect(status.counts.succeeded == total && status.state == "completed")
    let latencies = outcome.leaseLatencies.sorted()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    print(
      "load: \(Self.workers) workers × \(Self.rounds) rounds = \(total) trials in \(String(format: "%.1f", elapsed.secondsDouble)) s"
        + " (\(String(format: "%.0f", Double(total) / elapsed.secondsDouble)) trials/s, debug build, synchronous=FULL);"
        + " lease latency p50 \(String(format: "%.1f", percentile(0.5) * 1000)) ms, p99 \(String(format: "%.1f", percentile(0.99) * 1000)) ms"
    )
  }

  struct WorkerTally: Sendable {
    var completed = 0
    var trialIDs: [String] = []
    var leaseLatencies: [Double] = []
    var unexpected: [String] = []

    mutating func merge(_ other: WorkerTally) {
      completed += other.completed
      trialIDs += other.trialIDs
      leaseLatencies += other.leaseLatencies
      unexpected += other.unexpected
    }
  }

  /// One worker: lease (long-poll), report, for the given rounds; then one more lease that must say no work.
  static func simulate(credential: String, base: String, http: HTTPClient) async throws -> WorkerTally {
    var tally = WorkerTally()
    var done = 0
    var idle = 0
    while done < rounds && idle < 5 {
      let began = ContinuousClock.now
      let (status, body) = try await post(http, base + "/v1/leases", credential, "{\"wait\": 2}")
      tally.leaseLatencies.append((ContinuousClock.now - began).secondsDouble)
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
      for trial in lease.trials {
        let report = ResultReport(
          sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
          status: .succeeded, metrics: ["accuracy": 0.5], durationS: 0)
        let body = String(decoding: try WireCoding.encoder().encode(report), as: UTF8.self)
        let (status, answer) = try await post(http, base + "/v1/trials/\(trial.trialId)/results", credential, body)
        if status == 200, (try? WireCoding.decoder().decode(ResultAck.self, from: answer))?.outcome == .completed {
          tally.completed += 1
          tally.trialIDs.append(trial.trialId)
        } else {
          tally.unexpected.append("report \(status): \(String(decoding: answer, as: UTF8.self))")
        }
      }
      done += 1
    }
    return tally
  }

  static func post(_ http: HTTPClient, _ url: String, _ credential: String, _ body: String) async throws -> (Int, Data)
  {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(credential)")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await http.execute(request, timeout: .seconds(120))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), Data(bytes.readableBytesView))
  }
}
