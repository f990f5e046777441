import Coordinator
import Foundation
import Shared
import SpecReading

/// Scenario 2: result ingest alone, through the store (no HTTP): `concurrency` reporters send
/// results for already-leased trials. Every acknowledgement is a committed, fsynced transaction.
struct IngestScenario {
  var results: Int
  var concurrency: Int
  var repetitions: Int

  func run() async throws -> ResultRow {
    var rates: [Double] = []
    for repetition in 0...repetitions {
      let rate = try await once()
      if repetition > 0 { rates.append(rate) }
    }
    return ResultRow(
      scenario: "ingest", parameters: ["results": "\(results)", "concurrency": "\(concurrency)"],
      figures: ["results_per_s": Sample(values: rates)])
  }

  private func once() async throws -> Double {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteStore(path: directory.appendingPathComponent("sweep.db").path)
    defer { try? store.close() }
    let clock = ManualWallClock()
    let spec = try SpecDecoder.decode(
      "name: ingest\ndomains: [a]\nsampler: random\ntrials_per_domain: \(results)\nshard_size: 100\nspace:\n  x: {uniform: [0, 1]}\ncommand: [run]\n",
      file: "ingest.yaml")
    _ = try await store.createSweep(
      id: "sw-ingest", spec: spec, specText: "", now: clock.now)
    try await store.registerWorker(
      RegisterWorkerRequest(name: "ingest", provider: .local, hourlyCostUsd: DollarAmount(.zero), slots: 100_000),
      id: "wk-ingest", secretHash: [0], now: clock.now)
    var reports: [(String, ResultReport)] = []
    let policy = LeasePolicy(ttl: .seconds(3600))
    while case .granted(let grant) = try await store.grantLease(workerID: "wk-ingest", now: clock.now, policy: policy) {
      for trial in grant.trials {
        reports.append(
          (
            trial.trialId,
            ResultReport(
              sweepId: grant.sweepId, leaseId: grant.leaseId, fencingToken: grant.fencingToken, attempt: trial.attempt,
              status: .succeeded, metrics: ["accuracy": 0.5], durationS: 1)
          ))
      }
    }
    guard reports.count == results else { throw BenchError("leased \(reports.count) of \(results) trials") }
    let batches = stride(from: 0, to: reports.count, by: (reports.count + concurrency - 1) / concurrency).map {
      Array(reports[$0..<min($0 + (reports.count + concurrency - 1) / concurrency, reports.count)])
    }
    let now = clock.now
    let elapsed = try await seconds {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for batch in batches {
          group.addTask {
            for (trialID, report) in batch {
              _ = try await store.report(trialID: trialID, workerID: "wk-ingest", report: report, now: now)
            }
          }
        }
        try await group.waitForAll()
      }
    }
    return Double(results) / elapsed
  }
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
