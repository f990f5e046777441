import Foundation
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// The shape of one chaos run.
public struct ChaosRunConfiguration: Sendable {
  public var seed: UInt64
  /// Faults are injected during this many seconds after submission; then the sweep may finish.
  public var faultWindow: Double = 50
  public var trialsPerDomain = 35
  public var budgetUSD = "0.30"
  /// $36/h = 10,000 µ$/s, so that money moves fast and the budget runs out mid-sweep.
  public var paidRate = "36"
  public var paidWorkers = 2
  public var freeWorkers = 2
  public var leaseTTL = 3
  /// The run fails if the sweep has not finished this long after the fault window.
  public var finishTimeout: Double = 150
  /// Keep the run's folder (databases, logs, marks) even when every invariant held.
  public var keepFiles = false
  /// The run's one fault is the coordinator's laptop sleeping past the paid boxes' `--max-idle`.
  public var coordinatorSleeps = false
  /// `--max-idle` of the paid workers (with an `--on-exit` that leaves a mark); nil: the default.
  public var paidMaxIdle: Double? = nil

  public init(seed: UInt64) { self.seed = seed }

  var workerCount: Int { paidWorkers + freeWorkers }
  func isPaid(_ worker: Int) -> Bool { worker < paidWorkers }
  /// The largest allowance a lease gets at grant: a shard of one trial × the 10 s minimum chunk.
  var maxAllowance: Double { 10 }
  var stopGrace: Double { Double(leaseTTL) / 3 }
  var reportMargin: Double { min(5, Double(leaseTTL) / 4) }
  /// How long a paid box may take to stop itself once the coordinator sleeps: its trial runs out
  /// its allowance and grace, its result waits for an answer, its next lease request times out
  /// (the long-poll + 10 s), past `--max-idle` it leaves, trying to deliver its result or
  /// deregister for at most 10 s more — and scheduling slack on a loaded machine.
  var sleepBound: Double { maxAllowance + stopGrace + reportMargin + 5 + (paidMaxIdle ?? 600) + 12 + 10 + 10 }
}

/// One run: a real `sweep serve`, real `sweep-worker`s behind loopback proxies, a sweep, the
/// scheduled faults, then every invariant checked from the database and from results.jsonl.
public final class ChaosRun {
  let configuration: ChaosRunConfiguration
  let schedule: FaultSchedule
  let directory: URL
  let workload: ChaosWorkload
  var serve: ServeProcess!
  private var proxies: [LoopbackProxy] = []
  var workers: [WorkerProcess?] = []
  /// When each worker was frozen or dead (seconds since 1970): its attempts then are not measured.
  var disturbed: [[ClosedRange<Double>]] = []
  /// Each process of each worker: when the harness started it and a time by which it had surely
  /// not yet exited (its `--on-exit` mark, or the SIGTERM of the drain), for its bill.
  var lives: [[(start: Date, alive: Date?)]] = []
  /// What the coordinator's sleep did, when the run has one.
  var sleep: SleepObservation?
  private var replayStatuses: [Int: Int] = [:]

  public init(_ configuration: ChaosRunConfiguration) throws {
    self.configuration = configuration
    schedule =
      configuration.coordinatorSleeps
      ? FaultSchedule(coordinatorSleepWithSeed: configuration.seed, bound: configuration.sleepBound)
      : FaultSchedule(
        seed: configuration.seed, window: configuration.faultWindow, workers: configuration.workerCount,
        paid: Set(0..<configuration.paidWorkers), ttl: Double(configuration.leaseTTL),
        maxAllowance: configuration.maxAllowance)
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sweep-chaos-\(configuration.seed)-\(UUID().uuidString.prefix(6))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    workload = try ChaosWorkload(directory: directory)
  }

  /// Runs the sweep through its faults and checks the invariants; never throws for a violated
  /// invariant (that is in the report), only when the run could not be set up.
  public func execute() throws -> ChaosReport {
    signal(SIGPIPE, SIG_IGN)
    let started = Date()
    try schedule.faults.map(\.description).joined(separator: "\n")
      .write(to: directory.appendingPathComponent("schedule.txt"), atomically: true, encoding: .utf8)
    let serveDirectory = directory.appendingPathComponent("coordinator")
    serve = try ServeProcess(directory: serveDirectory, extraArguments: serveArguments)
    defer { tearDown() }
    for _ in 0..<configuration.workerCount { proxies.append(try LoopbackProxy(upstreamPort: serve.port)) }
    disturbed = Array(repeating: [], count: configuration.workerCount)
    lives = Array(repeating: [], count: configuration.workerCount)
    workers = try (0..<configuration.workerCount).map { try startWorker($0) }
    let sweepID = try submit()
    let origin = Date()
    try inject(from: origin)
    note("faults over; waiting for the sweep to finish")
    let finished = waitForCompletion(sweepID, timeout: configuration.finishTimeout)
    var violations: [String] = []
    if !finished {
      violations.append(
        "the sweep did not finish (completed, every lease closed) within \(Int(configuration.finishTimeout)) s of the last fault"
      )
    }
    // Drain every worker: each must exit 0 with nothing left in its spool.
    for (index, worker) in workers.enumerated() {
      guard let worker else { continue }
      let draining = Date()
      worker.signal(SIGTERM)
      let status = worker.wait(40)
      if let last = lives[index].indices.last {
        // Surely alive until the drain — or until its `--on-exit` ran, if it left by itself
        // first: a paid box idle past `--max-idle` deregisters, runs it and exits on its own,
        // and may still look running while it does.
        let mark = configuration.isPaid(index) ? Self.lastMark(onExitMarks(index)) : nil
        let exitedAlone = mark.map { $0 > lives[index][last].start } == true
        lives[index][last].alive = exitedAlone ? min(mark!, draining) : draining
      }
      if status != 0 {
        violations.append("worker \(index) exited \(status.map(String.init) ?? "not at all") after SIGTERM")
      }
      worker.kill9()
      let pending = SpoolContents.pending(spool: spool(index))
      if !pending.isEmpty { violations.append("worker \(index) left \(pending.count) result(s) in its spool") }
    }
    if configuration.coordinatorSleeps { violations += checkSleep() }
    let results = try exportResults(sweepID)
    let logs = (0..<configuration.workerCount).map { (try? String(contentsOfFile: logPath($0), encoding: .utf8)) ?? "" }
    serve.stop(signal: SIGTERM)
    var checker = ChaosInvariants(
      configuration: configuration, workload: workload, databasePath: serve.databasePath, disturbed: disturbed)
    let outcome = try checker.check(sweepID: sweepID, resultsJSONL: results, workerLogs: logs)
    violations += outcome.violations
    // 410: the worker had deregistered — a paid worker exits once its last lease ends — and a
    // worker deregisters only when every result of its spool was acknowledged, so the replay
    // was a duplicate of an answered report (the result counts are checked above).
    let unexpectedReplies = replayStatuses.filter { ![200, 409, 410, 0].contains($0.key) }
    for (status, count) in unexpectedReplies {
      violations.append("\(count) replayed report(s) answered \(status), not 200 (stored answer), 409 or 410")
    }
    let report = ChaosReport(
      seed: configuration.seed, faults: schedule.faults, figures: outcome.figures, replayStatuses: replayStatuses,
      violations: violations, seconds: Date().timeIntervalSince(started), directory: directory.path)
    if violations.isEmpty && !configuration.keepFiles { try? FileManager.default.removeItem(at: directory) }
    return report
  }

  private var serveArguments: [String] { ["--lease-ttl", String(configuration.leaseTTL)] }

  func spool(_ worker: Int) -> String { directory.appendingPathComponent("spool-\(worker)").path }
  func logPath(_ worker: Int) -> String { directory.appendingPathComponent("worker-\(worker).log").path }

  func workerName(_ index: Int) -> String { configuration.isPaid(index) ? "gpu-\(index)" : "laptop-\(index)" }

  func startWorker(_ index: Int) throws -> WorkerProcess {
    let paid = configuration.isPaid(index)
    var arguments = [
      "--coordinator", "http://127.0.0.1:\(proxies[index].port)", "--token", serve.workerToken,
      "--name", workerName(index), "--hourly-cost", paid ? configuration.paidRate : "0",
      "--provider", paid ? "runpod" : "local", "--spool", spool(index),
    ]
    if paid, let maxIdle = configuration.paidMaxIdle {
      // The provider's stop command, as a mark with the time it ran.
      arguments += ["--max-idle", "\(Int(maxIdle))s", "--on-exit", "date +%s.%N >> '\(onExitMarks(index))'"]
    }
    lives[index].append((Date(), nil))
    return try WorkerProcess(arguments: arguments, log: logPath(index))
  }

  private func submit() throws -> String {
    let path = directory.appendingPathComponent("spec.yaml").path
    try workload.spec(
      name: "chaos-\(configuration.seed)", trialsPerDomain: configuration.trialsPerDomain,
      budgetUSD: configuration.budgetUSD
    ).write(toFile: path, atomically: true, encoding: .utf8)
    let result = try CommandRunner.run(
      "sweep", ["submit", path, "--coordinator", serve.url, "--token", serve.adminToken])
    guard result.status == 0 else { throw ServeError("submit failed: \(result.stderr)") }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Plays the schedule: each fault starts at its time; its end (restart, SIGCONT, heal) is queued.
  private func inject(from origin: Date) throws {
    let faults = schedule.faults.sorted { $0.at < $1.at }
    var ends: [(at: Double, run: () throws -> Void)] = []
    var index = 0
    while index < faults.count || !ends.isEmpty {
      ends.sort { $0.at < $1.at }
      let nextStart = index < faults.count ? faults[index].at : .infinity
      let nextEnd = ends.first?.at ?? .infinity
      let wait = min(nextStart, nextEnd) - Date().timeIntervalSince(origin)
      if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
      if nextEnd <= nextStart {
        try ends.removeFirst().run()
      } else {
        if let end = begin(faults[index]) { ends.append(end) }
        index += 1
      }
    }
  }

  /// Starts a fault; returns the step that ends it, if it has one.
  private func begin(_ fault: Fault) -> (at: Double, run: () throws -> Void)? {
    note(fault.description)
    let now = Date().timeIntervalSince1970
    switch fault.kind {
    case .killWorker(let index, let down):
      killWithTrials(index)
      return (
        fault.at + down,
        {
          self.disturbed[index].append(now...Date().timeIntervalSince1970)
          self.workers[index] = try self.startWorker(index)
          self.note("worker \(index) started again on its spool")
        }
      )
    case .killCoordinator(let down):
      serve.stop(signal: SIGKILL)
      return (
        fault.at + down,
        {
          self.serve = try ServeProcess(
            directory: self.serve.directory, port: self.serve.port, extraArguments: self.serveArguments)
          self.note("coordinator started again on its database")
        }
      )
    case .pauseWorker(let index, let seconds):
      workers[index]?.signal(SIGSTOP)
      return (
        fault.at + seconds,
        {
          self.workers[index]?.signal(SIGCONT)
          self.disturbed[index].append(now...Date().timeIntervalSince1970)
          self.note("worker \(index) continued")
        }
      )
    case .partitionWorker(let index, let seconds):
      // Cut it off while it runs a long paid trial, so that it has to stop that trial itself.
      let waited = Date()
      while workload.running(on: workerName(index)) != "crawl" && Date().timeIntervalSince(waited) < 15 {
        usleep(100_000)
      }
      let late = Date().timeIntervalSince(waited)
      note(
        "worker \(index) cut off \(Fault.format(late)) s late, running \(workload.running(on: workerName(index)) ?? "nothing")"
      )
      proxies[index].partition()
      return (
        fault.at + late + seconds,
        {
          self.proxies[index].heal()
          self.note("worker \(index) reconnected")
        }
      )
    case .pauseCoordinator(let bound):
      sleepCoordinator(bound: bound)
      return nil
    case .replayReport(let pick):
      let captured = proxies.flatMap(\.reports)
      guard !captured.isEmpty else {
        note("nothing captured to replay yet")
        return nil
      }
      let status = LoopbackProxy.deliver(captured[pick % captured.count], toPort: serve.port)
      replayStatuses[status, default: 0] += 1
      note("replayed report #\(pick % captured.count) of \(captured.count): HTTP \(status)")
      return nil
    }
  }

  /// SIGKILL a worker and the process groups of its trials: the whole box is gone.
  private func killWithTrials(_ index: Int) {
    guard let worker = workers[index] else { return }
    worker.signal(SIGSTOP)  // so it starts nothing while its children are listed
    let children = Self.children(of: worker.pid)
    worker.kill9()
    for child in children { kill(-child, SIGKILL) }
    workload.clearRunning(on: workerName(index))
    workers[index] = nil
  }

  static func children(of parent: Int32) -> [Int32] {
    #if os(Linux)
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
      return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry),
          let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")")
        else { return nil }
        // "pid (comm) state ppid ..."
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
      }
    #else
      // Listing another process's children needs /proc. Elsewhere this fault kills the worker
      // alone, and its trials run on as orphans: a weaker fault, said in the run's log.
      return []
    #endif
  }

  /// Until the sweep is completed and no lease is open. A lease may outlive the sweep's last
  /// trial: a long-poll a worker gave up on while the coordinator slept is answered when it wakes,
  /// with a lease no live process knows of — held, and billed, until it expires.
  private func waitForCompletion(_ sweepID: String, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let status = try? CommandRunner.run(
        "sweep", ["status", sweepID, "--json", "--coordinator", serve.url, "--token", serve.adminToken]),
        status.status == 0,
        let object = try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any],
        object["state"] as? String == "completed", openLeases() == 0
      {
        return true
      }
      usleep(500_000)
    }
    return false
  }

  private func exportResults(_ sweepID: String) throws -> String {
    let result = try CommandRunner.run(
      "sweep", ["results", sweepID, "--coordinator", serve.url, "--token", serve.adminToken])
    guard result.status == 0 else { throw ServeError("sweep results failed: \(result.stderr)") }
    try result.stdout.write(to: directory.appendingPathComponent("results.jsonl"), atomically: true, encoding: .utf8)
    return result.stdout
  }

  func note(_ line: String) {
    let handle = FileHandle(forWritingAtPath: directory.appendingPathComponent("harness.log").path)
    if let handle {
      handle.seekToEndOfFile()
      handle.write(Data((line + "\n").utf8))
      try? handle.close()
    } else {
      try? (line + "\n").write(to: directory.appendingPathComponent("harness.log"), atomically: true, encoding: .utf8)
    }
  }

  private func tearDown() {
    for worker in workers { worker?.signal(SIGCONT) }
    for (index, worker) in workers.enumerated() where worker?.isRunning == true { killWithTrials(index) }
    for proxy in proxies { proxy.stop() }
    serve?.stop(signal: SIGKILL)
  }
}
