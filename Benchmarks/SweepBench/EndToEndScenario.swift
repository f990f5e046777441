import AsyncHTTPClient
import Foundation
import LoadGeneration
import TestSupport

/// Scenario 1: a real `sweep serve` on a temporary SQLite file, W simulated workers on loopback
/// completing trivial trials. One run per repetition, each on a fresh database.
struct EndToEndScenario {
  var workers: Int
  var shardSize: Int
  var trials: Int
  var repetitions: Int
  /// Each lease's results in one `POST /v1/results` instead of one request per result.
  var batchReports: Bool

  func run() async throws -> ResultRow {
    var throughput: [Double] = []
    var peaks: [Double] = []
    var leases: [UInt64] = []
    var reports: [UInt64] = []
    var notes: [String] = []
    // The first run warms the page cache and the binary; it is not counted.
    for repetition in 0...repetitions {
      let one = try await once()
      if !one.tally.unexpected.isEmpty {
        notes.append(
          "run \(repetition): \(one.tally.unexpected.count) unexpected answers, e.g. \(one.tally.unexpected[0])")
      }
      if one.tally.completed != trials {
        notes.append("run \(repetition): \(one.tally.completed) of \(trials) trials completed")
      }
      if one.tally.retries > 0 { notes.append("run \(repetition): \(one.tally.retries) requests retried") }
      guard repetition > 0 else { continue }
      throughput.append(Double(one.tally.completed) / one.seconds)
      peaks.append(one.peakMiB)
      leases += one.tally.leaseMicros
      reports += one.tally.reportMicros
    }
    let lease = Latency(micros: leases)
    let report = Latency(micros: reports)
    return ResultRow(
      scenario: "end-to-end",
      parameters: [
        "workers": "\(workers)", "shard_size": "\(shardSize)", "trials": "\(trials)",
        "reports": batchReports ? "batch" : "single",
      ],
      figures: [
        "trials_per_s": Sample(values: throughput),
        "lease_ms_p50": Sample(values: [lease.p50]), "lease_ms_p99": Sample(values: [lease.p99]),
        "lease_ms_p999": Sample(values: [lease.p999]),
        "report_ms_p50": Sample(values: [report.p50]), "report_ms_p99": Sample(values: [report.p99]),
        "report_ms_p999": Sample(values: [report.p999]),
        "coordinator_peak_rss_mib": Sample(values: peaks),
      ], notes: notes)
  }

  private func once() async throws -> (tally: SimulatedWorker.Tally, seconds: Double, peakMiB: Double) {
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "600"])
    defer { serve.cleanUp() }
    return try await SimulatedWorker.withClient(connections: workers + 2) { http in
      let spec = """
        name: bench
        domains: [a]
        sampler: random
        trials_per_domain: \(trials)
        shard_size: \(shardSize)
        space:
          x: {uniform: [0, 1]}
        command: [run, "{x}"]
        """
      let (status, body) = try await SimulatedWorker.post(
        http, serve.url + "/v1/sweeps", serve.adminToken, spec, contentType: "application/yaml")
      guard status == 201 else { throw LoadError("submit: HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
      let credentials = try await SimulatedWorker.register(
        count: workers, base: serve.url, joinToken: serve.workerToken, http: http)
      let fleet = credentials.map { credential in
        var worker = SimulatedWorker(credential: credential, base: serve.url, http: http)
        worker.batchReports = batchReports
        return worker
      }
      let started = ContinuousClock.now
      let tally = try await SimulatedWorker.runAll(fleet)
      let elapsed = ((tally.lastCompletion ?? .now) - started).secondsDouble
      return (tally, elapsed, Memory.peakMiB(pid: serve.process.pid))
    }
  }
}
