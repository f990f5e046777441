import AsyncHTTPClient
import Coordinator
import Foundation
import NIOCore
import Shared
import SpecReading
import TestSupport

/// The dashboard: a sweep of `results` finished trials (and a few still pending, so it runs) on a
/// real `sweep serve`. Measures the sweep page's weight, the coordinator's time to answer it cold
/// (results read, plots built) and warm (cached), headless Chromium's time to render it beyond a
/// blank page's, and the coordinator's CPU while `pollers` dashboards refresh it every 5 s.
struct DashboardScenario {
  var results: Int
  var repetitions: Int
  var pollers = 10
  var window: Double = 30

  func run() async throws -> ResultRow {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-dash-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let fill = try await seconds { try await fillDatabase(directory.appendingPathComponent("sweep.db").path) }
    say("  dashboard: \(results) results stored in \(String(format: "%.1f", fill)) s")
    let serve = try ServeProcess(directory: directory)
    defer { serve.cleanUp() }
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = pollers + 2
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
      let row = try await measure(http, serve, directory: directory)
      try await http.shutdown()
      return row
    } catch {
      try? await http.shutdown()
      throw error
    }
  }

  func measure(_ http: HTTPClient, _ serve: ServeProcess, directory: URL) async throws -> ResultRow {
    let cookie = try await logIn(http, serve)
    let page = serve.url + "/sweeps/sw-dash"
    var bytes = 0
    let cold = try await seconds { bytes = try await get(http, page, cookie: cookie) }
    var warm: [Double] = []
    for _ in 0..<max(3, repetitions) {
      warm.append(try await seconds { _ = try await get(http, page, cookie: cookie) })
    }
    var figures: [String: Sample] = [
      "page_kib": Sample(values: [Double(bytes) / 1024]), "cold_ms": Sample(values: [cold * 1000]),
      "warm_ms": Sample(values: warm.map { $0 * 1000 }),
    ]
    var notes: [String] = []
    if let chromium = try? HeadlessChromium() {
      defer { chromium.cleanUp() }
      let shot = directory.appendingPathComponent("shot.png").path
      var rendered: [Double] = []
      for _ in 0..<max(3, repetitions) {
        let blank = try await seconds { try chromium.screenshot("about:blank", to: shot) }
        let full = try await seconds {
          try chromium.screenshot("\(serve.url)/login?token=\(serve.viewerToken)&next=/sweeps/sw-dash", to: shot)
        }
        rendered.append((full - blank) * 1000)
      }
      figures["render_beyond_blank_ms"] = Sample(values: rendered)
    } else {
      notes.append("no headless Chromium: render time not measured")
    }
    // The coordinator's CPU alone for the window, then with the dashboards open.
    let idle = try await cpuSeconds(pid: serve.process.pid) { try await Task.sleep(for: .seconds(window)) }
    let busy = try await cpuSeconds(pid: serve.process.pid) {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<pollers {
          group.addTask {
            // staggered, like tabs opened at different moments
            try await Task.sleep(for: .milliseconds(Int64(index) * 5_000 / Int64(pollers)))
            let end = ContinuousClock.now + .seconds(window - 5)
            while ContinuousClock.now < end {
              _ = try await get(http, page, cookie: cookie, live: true)
              try await Task.sleep(for: .seconds(5))
            }
          }
        }
        try await group.waitForAll()
      }
    }
    figures["cpu_percent_idle"] = Sample(values: [100 * idle / window])
    figures["cpu_percent_\(pollers)_dashboards"] = Sample(values: [100 * busy / window])
    return ResultRow(
      scenario: "dashboard", parameters: ["results": "\(results)", "pollers": "\(pollers)"], figures: figures,
      notes: notes)
  }

  /// A sweep with `results` finished trials over two domains and four parameters, and 1% left pending.
  func fillDatabase(_ path: String) async throws {
    let store = try SQLiteStore(path: path)
    defer { try? store.close() }
    let clock = ManualWallClock()
    let perDomain = (results + results / 100 + 1) / 2 + 100
    let spec = try SpecDecoder.decode(
      """
      name: dashboard-bench
      domains: [financial, legal]
      sampler: random
      trials_per_domain: \(perDomain)
      shard_size: 100
      objective: {metric: accuracy, goal: maximize}
      space:
        rank: {int: [4, 64], log: true}
        alpha: {int: [4, 64]}
        weight_decay: {log_uniform: [1e-6, 1e-2]}
        learning_rate: {log_uniform: [1e-5, 3e-2]}
      command: [run, "{rank}"]
      """, file: "dashboard.yaml")
    _ = try await store.createSweep(id: "sw-dash", spec: spec, specText: "", now: clock.now)
    try await store.registerWorker(
      RegisterWorkerRequest(name: "bench", provider: .local, hourlyCostUsd: DollarAmount(.zero), slots: 1_000_000),
      id: "wk-bench", secretHash: [0], now: clock.now)
    let policy = LeasePolicy(ttl: .seconds(86_400))
    var random = Xoshiro256StarStar(seed: 11)
    var reported = 0
    while reported < results,
      case .granted(let grant) = try await store.grantLease(workerID: "wk-bench", now: clock.now, policy: policy)
    {
      var batch: [BatchedResult] = []
      for trial in grant.trials where reported + batch.count < results {
        let rank = trial.params["rank"]?.numeric ?? 8
        let accuracy = 0.55 + 0.05 * Math.log(rank) / Math.log(64) + 0.1 * random.nextOpenUnit()
        batch.append(
          BatchedResult(
            trialId: trial.trialId,
            report: ResultReport(
              sweepId: grant.sweepId, leaseId: grant.leaseId, fencingToken: grant.fencingToken, attempt: trial.attempt,
              status: .succeeded, metrics: ["accuracy": accuracy, "loss": 1 - accuracy], durationS: 60)))
      }
      clock.advance(by: .seconds(1))
      for chunk in stride(from: 0, to: batch.count, by: 256) {
        _ = try await store.reportBatch(
          Array(batch[chunk..<min(chunk + 256, batch.count)]), workerID: "wk-bench", now: clock.now)
      }
      reported += batch.count
    }
  }

  func logIn(_ http: HTTPClient, _ serve: ServeProcess) async throws -> String {
    let request = HTTPClientRequest(url: "\(serve.url)/login?token=\(serve.adminToken)&next=/")
    let response = try await http.execute(request, timeout: .seconds(30))
    guard let header = response.headers.first(name: "set-cookie"), let value = header.split(separator: ";").first
    else { throw BenchError("login: HTTP \(response.status.code), no cookie") }
    return String(value)
  }

  /// GETs a page with the session; returns its size.
  func get(_ http: HTTPClient, _ url: String, cookie: String, live: Bool = false) async throws -> Int {
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Cookie", value: cookie)
    if live { request.headers.add(name: "X-Live", value: "1") }
    let response = try await http.execute(request, timeout: .seconds(600))
    let body = try await response.body.collect(upTo: 256 << 20)
    guard response.status.code == 200 else { throw BenchError("\(url): HTTP \(response.status.code)") }
    return body.readableBytes
  }

  /// The CPU seconds (user + system) process `pid` used while `body` ran (Linux /proc).
  func cpuSeconds(pid: Int32, _ body: () async throws -> Void) async throws -> Double {
    func ticks() -> Double {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return .nan }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      // after "pid (comm)": state is field 0; utime and stime are fields 11 and 12
      return (Double(fields[11]) ?? .nan) + (Double(fields[12]) ?? .nan)
    }
    let before = ticks()
    try await body()
    return (ticks() - before) / 100  // USER_HZ is 100 on Linux
  }
}
