import AsyncHTTPClient
import Foundation
import GRDB
import LoadGeneration
import TestSupport

/// Scenarios 4 and 5: a million-trial sweep submitted to a real `sweep serve` (spec to leasable,
/// time and the coordinator's memory), then every trial given a result and exported as
/// results.jsonl and CSV over HTTP (rows/s, and whether the coordinator's memory grows with rows).
struct SubmitExportScenario {
  var trials: Int
  var repetitions: Int

  func run() async throws -> [ResultRow] {
    var submitTimes: [Double] = []
    var submitPeaks: [Double] = []
    var exportRates: [String: [Double]] = ["jsonl": [], "csv": []]
    var exportGrowth: [String: [Double]] = ["jsonl": [], "csv": []]
    var bytes: [String: Int] = [:]
    for _ in 1...max(1, repetitions) {
      let serve = try ServeProcess(extraArguments: ["--lease-ttl", "600"])
      defer { serve.cleanUp() }
      try await SimulatedWorker.withClient(connections: 4) { http in
        let spec = """
          name: big
          domains: [a]
          sampler: lhs
          trials_per_domain: \(trials)
          shard_size: 8
          space:
            rank: {int: [1, 64], log: true}
            weight_decay: {log_uniform: [1.0e-6, 1.0e-2]}
            learning_rate: {log_uniform: [1.0e-4, 3.0e-2]}
          command: [train, --rank, "{rank}", --wd, "{weight_decay}", --lr, "{learning_rate}"]
          """
        var sweepID = ""
        let submitted = try await seconds {
          let (status, body) = try await SimulatedWorker.post(
            http, serve.url + "/v1/sweeps", serve.adminToken, spec, contentType: "application/yaml")
          guard status == 201,
            let object = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = object["id"] as? String
          else { throw BenchError("submit: HTTP \(status) \(String(decoding: body, as: UTF8.self))") }
          sweepID = id
        }
        submitTimes.append(submitted)
        submitPeaks.append(Memory.peakMiB(pid: serve.process.pid))
        try Self.completeEveryTrial(databasePath: serve.databasePath, sweepID: sweepID)
        for format in ["jsonl", "csv"] {
          let before = Memory.currentMiB(pid: serve.process.pid)
          try? "5".write(
            toFile: "/proc/\(serve.process.pid)/clear_refs", atomically: false, encoding: .utf8)
          var received = 0
          var rows = 0
          let elapsed = try await seconds {
            (received, rows) = try await Self.download(
              http, serve.url + "/v1/sweeps/\(sweepID)/results?format=\(format)", serve.adminToken)
          }
          let expectedRows = format == "csv" ? trials + 1 : trials
          guard rows == expectedRows else {
            throw BenchError("export \(format): \(rows) lines, expected \(expectedRows)")
          }
          exportRates[format]?.append(Double(trials) / elapsed)
          exportGrowth[format]?.append(Memory.peakMiB(pid: serve.process.pid) - before)
          bytes[format] = received
        }
      }
    }
    var rows = [
      ResultRow(
        scenario: "submit", parameters: ["trials": "\(trials)", "sampler": "lhs"],
        figures: [
          "seconds_to_leasable": Sample(values: submitTimes), "coordinator_peak_rss_mib": Sample(values: submitPeaks),
        ])
    ]
    for format in ["jsonl", "csv"] {
      rows.append(
        ResultRow(
          scenario: "export", parameters: ["format": format, "rows": "\(trials)", "bytes": "\(bytes[format] ?? 0)"],
          figures: [
            "rows_per_s": Sample(values: exportRates[format] ?? []),
            "coordinator_rss_growth_mib": Sample(values: exportGrowth[format] ?? []),
          ]))
    }
    return rows
  }

  /// Gives every trial a completed attempt and result straight in the database (the export is
  /// what is measured here, not ingest).
  static func completeEveryTrial(databasePath: String, sweepID: String) throws {
    let database = try DatabaseQueue(path: databasePath)
    defer { try? database.close() }
    try database.write { db in
      try db.execute(
        sql: """
          INSERT INTO workers(id, name, provider, rate, slots, labels, secret_hash, state, registered_at, last_seen)
          VALUES ('wk-bench', 'bench', 'local', 0, 1, '{}', x'00', 'active', 0, 0)
          """)
      let statements = [
        """
        INSERT INTO leases(id, sweep_id, domain, shard_ordinal, worker_id, fencing, state, granted_at, expires_at,
          slot_rate, expected_ms)
        VALUES ('ls-bench', ?, 'a', 0, 'wk-bench', 1, 'closed', 0, 0, 0, 0)
        """,
        """
        INSERT INTO attempts(sweep_id, trial_id, attempt, lease_id, worker_id, state, reason, started_at, ended_at)
          SELECT sweep_id, trial_id, 1, 'ls-bench', 'wk-bench', 'succeeded', 'succeeded', 1000, 2000
          FROM trials WHERE sweep_id = ?
        """,
        """
        INSERT INTO results(sweep_id, trial_id, attempt, status, completed, metrics, duration_ms, worker_id,
          reported_at, ack)
          SELECT sweep_id, trial_id, 1, 'succeeded', 1, '{"accuracy":' || ((idx % 1000) / 1000.0) || ',"loss":0.25}',
            1000, 'wk-bench', 2000, '{}'
          FROM trials WHERE sweep_id = ?
        """,
        """
        UPDATE trials SET state = 'succeeded', attempts = 1, completed_attempt = 1, objective = (idx % 1000) / 1000.0
          WHERE sweep_id = ?
        """,
      ]
      for statement in statements { try db.execute(sql: statement, arguments: [sweepID]) }
    }
  }

  /// Reads a streamed body, counting bytes and lines without keeping it.
  static func download(_ http: HTTPClient, _ url: String, _ token: String) async throws -> (bytes: Int, lines: Int) {
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    let response = try await http.execute(request, timeout: .seconds(3600))
    guard response.status.code == 200 else { throw BenchError("export: HTTP \(response.status.code)") }
    var bytes = 0
    var lines = 0
    for try await buffer in response.body {
      bytes += buffer.readableBytes
      lines += buffer.readableBytesView.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
    return (bytes, lines)
  }
}
