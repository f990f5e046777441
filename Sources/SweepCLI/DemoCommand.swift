import AdminCLI
import ArgumentParser
import CommandLineSupport
import Coordinator
import Foundation
import Logging
import Platform
import ServiceLifecycle
import Shared
import SpecReading
import Synchronization

/// `sweep demo`: a whole budgeted sweep on this machine — an embedded coordinator on a temporary
/// SQLite file, a free "laptop" worker and a paid worker simulated at $0.40/h as child processes,
/// the reference trainer as the trial command — ending with a leaderboard and the spend.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run a small budgeted sweep end to end on this machine (no Python, GPU or download needed).")

  @Option(help: "Keep the database, results and logs in this folder (default: a temporary folder, removed).")
  var keep: String?
  @Option(help: "The spec to run (default: the built-in demo, the same as examples/demo.yaml).") var spec: String?
  @Option(help: "Give up after this many seconds.") var timeout: Double = 300
  @Flag(
    help:
      "Keep the coordinator and its dashboard up after the sweep (Ctrl-C stops it), and open the dashboard in a browser when one can be opened."
  )
  var open = false

  func run() async throws {
    let directory = try prepareDirectory()
    let specText = try spec.map { try SpecFile.read($0) } ?? DemoSpec.yaml
    let sweepSpec: SweepSpec
    do {
      sweepSpec = try SpecDecoder.decode(specText, file: spec ?? "examples/demo.yaml")
    } catch {
      throw CLIError(.badInput, error.lines)
    }
    var logger = Logger(label: "sweep.demo")
    logger.logLevel = .warning
    var configuration = CoordinatorServer.Configuration()
    configuration.port = 0
    configuration.databasePath = directory.appendingPathComponent("sweep.db").path
    configuration.leaseTTL = .seconds(10)
    let server = try await CoordinatorServer.prepare(configuration)
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = try server.application(logger: logger) { port in portContinuation.yield(port) }
    let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
    let serving = Task { try await group.run() }
    var ports = portStream.makeAsyncIterator()
    guard let port = await ports.next() else { throw CLIError(.runtime, "the embedded coordinator did not start") }
    let url = "http://127.0.0.1:\(port)"
    let tokens = TokensFile.read(TokensFile.path(forDatabase: configuration.databasePath))
    let joinToken = tokens["SWEEP_WORKER_TOKEN"] ?? ""
    let interrupted = InterruptFlag()
    var workers: [DemoWorker] = []
    // One shutdown path for success, failure and Ctrl-C: workers, then the coordinator, then files.
    let outcome: Result<Void, any Error>
    do {
      print("LoRASweep demo — coordinator on \(url), database \(configuration.databasePath)")
      print("dashboard: \(server.dashboardURL(base: url))")
      workers = [
        try DemoWorker.start(
          name: "laptop", rate: "0", provider: "local", coordinator: url, token: joinToken, in: directory),
        try DemoWorker.start(
          name: "gpu-sim", rate: "0.40", provider: "runpod", coordinator: url, token: joinToken, in: directory),
      ]
      print("workers: laptop (free, $0/h) and gpu-sim (a rented GPU, SIMULATED at $0.40/h)")
      let created = try await server.store.createSweep(
        id: "sw-demo", spec: sweepSpec, specText: specText, now: server.clock.now)
      await server.dispatcher.wake()
      print(
        "sweep '\(sweepSpec.name)': \(created.totalTrials) trials (\(sweepSpec.domains.joined(separator: ", "))), budget $\(sweepSpec.budget.decimalString)\n"
      )
      let started = ContinuousClock.now
      var lastLine = ""
      while true {
        let status = try await server.store.sweepStatus(id: created.id)
        let line = progressLine(status)
        if line != lastLine {
          print(line)
          lastLine = line
        }
        if status.state != .running { break }
        if interrupted.isSet { throw CLIError(.runtime, "interrupted") }
        if ContinuousClock.now - started > .seconds(timeout) {
          throw CLIError(.runtime, "the demo did not finish within \(Int(timeout)) s; logs are in \(directory.path)")
        }
        if workers.allSatisfy({ !$0.isRunning }) {
          throw CLIError(.runtime, "both workers exited early; see their logs in \(directory.path)")
        }
        try await Task.sleep(for: .milliseconds(500))
      }
      let elapsed = ContinuousClock.now - started
      let resultsPath = directory.appendingPathComponent("results.jsonl").path
      let jsonl = try await ResultExport(
        store: server.store, query: ResultQuery(sweepID: created.id), csv: false
      ).render()
      try jsonl.write(toFile: resultsPath, atomically: true, encoding: .utf8)
      let status = try await server.store.sweepStatus(id: created.id)
      let workerList = try await server.store.listWorkers()
      for line in DemoReport.lines(status: status, workers: workerList, jsonl: jsonl, elapsed: elapsed) { print(line) }
      print("\nmerged results: \(resultsPath)")
      if let keep {
        print("look again later: sweep serve --db \(keep)/sweep.db, then open the dashboard link it prints")
      } else if !open {
        print("(temporary: removed on exit; use --keep DIR to keep database, results and logs)")
      }
      if open {
        for worker in workers { worker.stop() }
        let link = server.dashboardURL(base: url)
        print("\nthe dashboard stays up at \(link)\nCtrl-C stops it")
        Browser.open(link)
        await interrupted.wait()
      }
      outcome = .success(())
    } catch {
      outcome = .failure(error)
    }
    for worker in workers { worker.stop() }
    await group.triggerGracefulShutdown()
    _ = try? await serving.value
    cleanUp(directory)
    try outcome.get()
  }

  func prepareDirectory() throws -> URL {
    let directory =
      keep.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("lorasweep-demo-\(UUID().uuidString.prefix(8))")
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw CLIError(.badInput, "--keep: cannot create \(directory.path): \(error.localizedDescription)")
    }
    for leftover in ["sweep.db", "sweep.db-wal", "sweep.db-shm", "sweep.db.tokens"] {
      try? FileManager.default.removeItem(at: directory.appendingPathComponent(leftover))
    }
    return directory
  }

  func cleanUp(_ directory: URL) {
    if keep == nil { try? FileManager.default.removeItem(at: directory) }
  }

  func progressLine(_ status: SweepStatus) -> String {
    let domains = status.domains.map { domain in
      "\(domain.domain) \(StatusView.progressBar(done: domain.counts.finished, total: domain.counts.total, width: 12)) \(domain.counts.finished)/\(domain.counts.total)"
    }
    return "  " + domains.joined(separator: "  ")
      + "  spent $\(status.spentUsd.micros.decimalString) of $\(status.budgetUsd.micros.decimalString)"
  }
}

/// Ctrl-C during the demo: noticed by the progress loop, which then shuts everything down.
final class InterruptFlag: @unchecked Sendable {
  private let source: DispatchSourceSignal
  private let raised = Mutex(false)

  init() {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    source.setEventHandler { [weak self] in self?.raise() }
    term.setEventHandler { [weak self] in self?.raise() }
    source.resume()
    term.resume()
    terminationSource = term
  }

  private var terminationSource: DispatchSourceSignal?

  private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])

  private func raise() {
    raised.withLock { $0 = true }
    for waiter in waiters.withLock({ list in
      defer { list = [] }
      return list
    }) { waiter.resume() }
  }

  var isSet: Bool { raised.withLock { $0 } }

  /// Returns once Ctrl-C (or SIGTERM) came.
  func wait() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let now = raised.withLock { raised in
        if !raised { waiters.withLock { $0.append(continuation) } }
        return raised
      }
      if now { continuation.resume() }
    }
  }
}

/// Opens a link in the user's browser when this machine has a way to (`open` on macOS,
/// `xdg-open` on a Linux desktop); says nothing when it has none — the link is printed anyway.
enum Browser {
  static func open(_ link: String) {
    #if os(macOS)
      let opener = "open"
    #else
      let opener = "xdg-open"
    #endif
    _ = ProcessControl.runShell("command -v \(opener) >/dev/null 2>&1 && \(opener) '\(link)' >/dev/null 2>&1 &")
  }
}
