import AsyncHTTPClient
import Foundation
import LoadGeneration
import NIOCore
import TestSupport

/// Scenario "workers": a real `sweep serve` and W real `sweep-worker` processes with S slots each,
/// running a compiled program that prints one metrics line (`/bin/echo`), so that what is measured
/// is the worker's own overhead: spawning, reading output, spooling (fsync), reporting.
///
/// Throughput counts from the workers' start until the coordinator counts every trial succeeded.
/// The overhead per trial comes from the workers' debug log (`--log-level debug`): from the moment
/// a trial could start (its lease granted, or the slot's previous trial done) to its process
/// running, and from its process exiting to its result acknowledged.
struct RealWorkersScenario {
  var workers: Int
  var slots: Int
  var shardSize: Int
  var trials: Int
  var repetitions: Int

  func run() async throws -> ResultRow {
    var throughput: [Double] = []
    var starts: [UInt64] = []
    var finishes: [UInt64] = []
    var sends: [UInt64] = []
    var notes: [String] = []
    for repetition in 0...repetitions {
      let one = try await once()
      notes += one.notes.map { "run \(repetition): \($0)" }
      guard repetition > 0 else { continue }
      throughput.append(Double(trials) / one.seconds)
      starts += one.start
      finishes += one.finish
      sends += one.sent
    }
    if starts.isEmpty {
      notes.append("the workers logged no overhead lines (a worker without --log-level debug timing)")
    }
    let start = Latency(micros: starts)
    let finish = Latency(micros: finishes)
    let sent = Latency(micros: sends)
    return ResultRow(
      scenario: "workers",
      parameters: [
        "workers": "\(workers)", "slots": "\(slots)", "shard_size": "\(shardSize)", "trials": "\(trials)",
      ],
      figures: [
        "trials_per_s": Sample(values: throughput),
        "start_overhead_ms_p50": Sample(values: [start.p50]), "start_overhead_ms_p99": Sample(values: [start.p99]),
        "finish_overhead_ms_p50": Sample(values: [finish.p50]),
        "finish_overhead_ms_p99": Sample(values: [finish.p99]),
      ].merging(
        sends.isEmpty
          ? [:]
          : [
            "sent_after_exit_ms_p50": Sample(values: [sent.p50]), "sent_after_exit_ms_p99": Sample(values: [sent.p99]),
          ],
        uniquingKeysWith: { a, _ in a }), notes: notes)
  }

  private func once() async throws -> (
    seconds: Double, start: [UInt64], finish: [UInt64], sent: [UInt64], notes: [String]
  ) {
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "600"])
    defer { serve.cleanUp() }
    return try await SimulatedWorker.withClient(connections: 4) { http in
      let spec = """
        name: bench-workers
        domains: [a]
        sampler: random
        trials_per_domain: \(trials)
        shard_size: \(shardSize)
        space:
          x: {uniform: [0, 1]}
        command: [/bin/echo, '{{"accuracy": {x}}}']
        """
      let (status, body) = try await SimulatedWorker.post(
        http, serve.url + "/v1/sweeps", serve.adminToken, spec, contentType: "application/yaml")
      guard status == 201 else { throw LoadError("submit: HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
      guard let created = try JSONSerialization.jsonObject(with: body) as? [String: Any],
        let id = created["sweep_id"] as? String ?? created["id"] as? String
      else { throw LoadError("submit: no sweep id in \(String(decoding: body, as: UTF8.self))") }
      let startedAt = Date()
      let fleet = try (0..<workers).map { index in
        try WorkerProcess(
          arguments: [
            "--coordinator", serve.url, "--token", serve.workerToken, "--name", "bench-\(index)", "--hourly-cost", "0",
            "--provider", "local", "--slots", String(slots), "--exit-when-done", "--log-level", "debug",
            "--spool", serve.directory.appendingPathComponent("spool-\(index)").path,
          ], log: serve.directory.appendingPathComponent("worker-\(index).log").path)
      }
      defer { for worker in fleet { worker.kill9() } }
      // Polled slowly so that the bench adds little work to the coordinator it measures; the end
      // of the run is the last acknowledgement's time stamp in the workers' logs.
      var succeeded = 0
      let deadline = ContinuousClock.now + .seconds(600)
      while succeeded < trials && ContinuousClock.now < deadline {
        succeeded = try await count(http, serve, id)
        if succeeded < trials { try await Task.sleep(for: .milliseconds(250)) }
      }
      for worker in fleet { _ = worker.wait(30) }
      let stamps = ISO8601DateFormatter()
      stamps.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      let lastAcknowledgement = fleet.flatMap { $0.log.split(separator: "\n") }
        .filter { $0.contains("acknowledged: completed") }
        .compactMap { $0.split(separator: " ").first.flatMap { stamps.date(from: String($0)) } }.max()
      let seconds = (lastAcknowledgement ?? Date()).timeIntervalSince(startedAt)
      var notes: [String] = []
      if succeeded < trials { notes.append("\(succeeded) of \(trials) trials succeeded within 600 s") }
      for worker in fleet where worker.wait(1) != 0 {
        notes.append("a worker did not exit cleanly: \(worker.log.suffix(500))")
      }
      var start: [UInt64] = []
      var finish: [UInt64] = []
      var sent: [UInt64] = []
      for worker in fleet {
        for line in worker.log.split(separator: "\n") where line.contains("overhead: start ") {
          let numbers =
            line.split(separator: "overhead: start ").last?.split(whereSeparator: { !"0123456789.".contains($0) })
            .compactMap { Double($0) } ?? []
          guard numbers.count >= 2 else { continue }
          start.append(UInt64(numbers[0] * 1000))
          finish.append(UInt64(numbers[1] * 1000))
          if numbers.count >= 3 { sent.append(UInt64(numbers[2] * 1000)) }
        }
      }
      return (seconds, start, finish, sent, notes)
    }
  }

  private func count(_ http: HTTPClient, _ serve: ServeProcess, _ id: String) async throws -> Int {
    var request = HTTPClientRequest(url: serve.url + "/v1/sweeps/" + id)
    request.headers.add(name: "Authorization", value: "Bearer \(serve.adminToken)")
    let response = try await http.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    let object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]
    return (object?["counts"] as? [String: Any])?["succeeded"] as? Int ?? 0
  }
}
