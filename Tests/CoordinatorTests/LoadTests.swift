import Coordinator
import Foundation
import HummingbirdTesting
import LoadGeneration
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
      id: "sw-load", spec: spec, specText: "", now: coordinator.clock.now)
    let workerCredentials = credentials
    let http = SimulatedWorker.client(connections: Self.workers)
    let started = ContinuousClock.now
    // The client is shut down whatever happens: one dropped while still open is a fatal error
    // in AsyncHTTPClient, which would take the whole test process down instead of failing here.
    let outcome: SimulatedWorker.Tally
    do {
      outcome = try await coordinator.liveApplication.test(.live) { client in
        let base = "http://127.0.0.1:\(client.port!)"
        return try await SimulatedWorker.runAll(
          workerCredentials.map { credential in
            var worker = SimulatedWorker(credential: credential, base: base, http: http)
            worker.maxLeases = Self.rounds
            worker.idleLimit = 5
            worker.keepTrialIDs = true
            return worker
          })
      }
    } catch {
      try? await http.shutdown()
      throw error
    }
    try await http.shutdown()
    let elapsed = ContinuousClock.now - started
    let status = try await store.sweepStatus(id: "sw-load")
    #expect(outcome.unexpected.isEmpty, "\(outcome.unexpected.prefix(5))")
    if outcome.retries > 0 { print("load: \(outcome.retries) requests retried after connection failures") }
    #expect(outcome.completed == total)
    #expect(Set(outcome.trialIDs).count == total)
    #expect(status.counts.succeeded == total && status.state == .completed)
    let latencies = outcome.leaseMicros.sorted().map { Double($0) / 1_000_000 }
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    print(
      "load: \(Self.workers) workers × \(Self.rounds) rounds = \(total) trials in \(String(format: "%.1f", elapsed.secondsDouble)) s"
        + " (\(String(format: "%.0f", Double(total) / elapsed.secondsDouble)) trials/s, debug build, synchronous=FULL);"
        + " lease latency p50 \(String(format: "%.1f", percentile(0.5) * 1000)) ms, p99 \(String(format: "%.1f", percentile(0.99) * 1000)) ms"
    )
  }
}
