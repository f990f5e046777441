import Platform
import Shared
import Synchronization

/// How one attempt ended, as it will be reported.
public struct TrialOutcome: Sendable, Equatable {
  public var status: AttemptStatus
  public var metrics: [String: Double]
  public var exitCode: Int?
  public var stderrTail: String
  public var durationS: Double
  /// When the program was running and when it had ended, on the agent's clock (nil if it never started).
  public var startedAt: Duration?
  public var endedAt: Duration?
  /// Why it failed when exit code and output do not say (objective never reported, cannot start).
  public var error: String? = nil
}

/// Runs one leased trial in the worker's working folder (`--workdir`, then the spec's `workdir`),
/// with its own output folder (kept), a scratch folder under the spool (metrics file, control
/// file), the documented environment and its own process group; reads metrics from stdout and
/// `SWEEP_METRICS_FILE`; enforces the timeout and the paid-time allowance on the agent's clock;
/// stops it when asked: the control file says why, then SIGTERM, the grace, SIGKILL.
///
/// Event-driven: it sleeps until the program exits, the control changes (a stop, a new
/// allowance) or the nearest deadline (timeout, allowance, kill after the grace) passes.
struct TrialRunner {
  var trial: LeasedTrial
  var sweepID: String
  var workerName: String
  /// Scratch: the metrics and control files; removed after the trial.
  var directory: String
  /// The worker's `--workdir`: relative program paths and the spec's `workdir` resolve here.
  var projectDirectory: String
  /// Where the program runs (absolute).
  var workingDirectory: String
  /// This attempt's own output folder (absolute), kept after the trial.
  var outputDirectory: String
  /// The sweep's objective: a run that exits 0 without it failed.
  var objectiveMetric: String?
  /// Added to the trial's environment (e.g. this slot's `CUDA_VISIBLE_DEVICES`).
  var slotEnvironment: [String: String] = [:]
  var selfInvocation: [String]
  var timeout: Duration?
  var stopGrace: Duration
  var control: TrialControl
  var clock: any WorkerClock
  var launcher: any TrialLauncher
  /// The worker's environment, which trials inherit.
  var baseEnvironment: [String: String]
  /// When not empty, the only programs this worker runs (`--allow-command`).
  var allowedCommands: [String] = []
  var onLog: @Sendable (String) -> Void = { _ in }

  func run() async -> TrialOutcome {
    let started = clock.now
    let metricsFile = directory + "/metrics.jsonl"
    let controlFile = directory + "/control.json"
    var environment = baseEnvironment.merging(slotEnvironment) { _, slot in slot }
    environment["SWEEP_TRIAL_ID"] = trial.trialId
    environment["SWEEP_SWEEP_ID"] = sweepID
    environment["SWEEP_DOMAIN"] = trial.domain
    environment["SWEEP_WORKER"] = workerName
    environment["SWEEP_ATTEMPT"] = String(trial.attempt)
    environment["SWEEP_METRICS_FILE"] = metricsFile
    environment["SWEEP_PROJECT_DIR"] = projectDirectory
    environment["SWEEP_OUTPUT_DIR"] = outputDirectory
    environment["SWEEP_CONTROL_FILE"] = controlFile
    environment["SWEEP_OBJECTIVE"] = objectiveMetric
    environment["SWEEP_COST_LIMIT_USD"] = control.costLimit?.decimalString
    for (name, value) in trial.params { environment["SWEEP_PARAM_" + name.uppercased()] = value.canonical }
    // A replicated sweep sends each run's seed as a parameter (`replicates:` in the spec).
    if let seed = trial.params["seed"] { environment["SWEEP_SEED"] = seed.canonical }
    let tail = Mutex(OutputTail())
    let control = self.control
    let onLog = self.onLog
    let failed = { (message: String) in
      TrialOutcome(
        status: .failed, metrics: [:], exitCode: nil, stderrTail: message,
        durationS: (clock.now - started).secondsDouble, error: message)
    }
    if let refusal = refusal() { return failed(refusal) }
    guard FileSystem.isDirectory(workingDirectory) else {
      return failed(
        "the working folder \(workingDirectory) does not exist on this worker (--workdir\(trial.argv.isEmpty ? "" : ", and the spec's workdir")); start the worker in the folder that holds the training script"
      )
    }
    guard FileSystem.makeDirectory(outputDirectory) else {
      return failed("cannot create the output folder \(outputDirectory) (--artifacts)")
    }
    let (events, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    control.observe { wake.yield() }
    defer { control.observe {} }
    let process: any RunningTrial
    do {
      _ = FileSystem.makeDirectory(directory)
      control.attachMetricsFile(metricsFile)
      process = try launcher.launch(
        LaunchRequest(
          argv: resolvedArgv(), environment: environment, directory: workingDirectory,
          onStdout: { line in
            if let metrics = MetricsLine.parse(line) {
              control.record(metrics)
            } else {
              tail.withLock { $0.append(line) }
              onLog(line)
            }
          },
          onStderr: { line in
            tail.withLock { $0.append(line) }
            onLog(line)
          }))
    } catch {
      return failed("cannot start \(trial.argv.first ?? "the program") in \(workingDirectory): \(error.message)")
    }
    let runningAt = clock.now
    let exit = LockedValue<Termination?>(nil)
    let (termination, stoppedFor) = await withTaskGroup(of: Void.self) { group -> (Termination, AttemptStatus?) in
      group.addTask {
        let ended = await process.wait()
        exit.set(ended)
        wake.yield()
      }
      var stoppedFor: AttemptStatus?
      var killAt: Duration?
      var events = events.makeAsyncIterator()
      while true {
        if let ended = exit.value {
          group.cancelAll()
          return (ended, stoppedFor)
        }
        let now = clock.now
        if stoppedFor == nil {
          stoppedFor =
            control.stopReason
            ?? timeout.flatMap { now - runningAt >= $0 ? .timedOut : nil }
            ?? control.allowanceDeadline.flatMap { now >= $0 ? .allowanceExhausted : nil }
          if let reason = stoppedFor {
            onLog("stopping trial \(trial.trialId): \(reason.rawValue)")
            // said first in the control file, so a script that checks it (lorasweep.should_stop)
            // can save a checkpoint and exit cleanly within the grace
            try? FileSystem.writeDurably(Array("{\"stop\":\"\(reason.rawValue)\"}\n".utf8), to: controlFile)
            process.signalGroup(SIGTERM)
            killAt = now + stopGrace
          }
        }
        if let deadline = killAt, now >= deadline {
          process.signalGroup(SIGKILL)
          killAt = nil
        }
        let next = [
          killAt, stoppedFor == nil ? timeout.map { runningAt + $0 } : nil,
          stoppedFor == nil ? control.allowanceDeadline : nil,
        ].compactMap { $0 }.min()
        // One timer for the nearest deadline, replaced on every wake-up.
        let timer = next.map { deadline in
          Task {
            try await clock.sleep(until: deadline)
            wake.yield()
          }
        }
        _ = await events.next()
        timer?.cancel()
      }
    }
    let endedAt = clock.now
    // anything a stopped program left behind in its group
    if stoppedFor != nil { process.signalGroup(SIGKILL) }
    let metrics = control.readMetricsFile(final: true)
    if !metrics.renamed.isEmpty {
      let names = metrics.renamed.sorted()
      tail.withLock {
        $0.append(
          "note: metric(s) \(names.joined(separator: ", ")) were stored as \(names.map { MetricNames.prefix + $0 }.joined(separator: ", ")): those names are result columns"
        )
      }
    }
    var status: AttemptStatus
    let exitCode: Int?
    var error: String?
    switch termination {
    case .exited(let code):
      exitCode = Int(code)
      status = stoppedFor ?? (code == 0 ? .succeeded : .failed)
      if status == .succeeded, let objectiveMetric,
        let missing = MetricNames.missingObjective(objectiveMetric, in: metrics.latest)
      {
        status = .failed
        error = missing
        tail.withLock { $0.append(missing) }
      }
    case .signalled(let signal):
      exitCode = 128 + Int(signal)
      status = stoppedFor ?? .failed
      if stoppedFor == nil { tail.withLock { $0.append("killed by signal \(signal)") } }
    }
    if status == .costExceeded, let limit = control.costLimit {
      let reported = metrics.latest[ReportedCost.metric].map { MetricNames.shortNumber($0) } ?? "?"
      error =
        "the trial reported cost_usd \(reported), over the $\(limit.decimalString) its lease held for it (the sweep's estimate); raise estimate.cost_usd_per_trial if trials cost more"
    }
    return TrialOutcome(
      status: status, metrics: metrics.latest, exitCode: exitCode, stderrTail: tail.withLock { $0.text },
      durationS: (endedAt - started).secondsDouble, startedAt: runningAt, endedAt: endedAt, error: error)
  }

  /// Why this worker will not run the trial's program, if `--allow-command` does not list it.
  func refusal() -> String? {
    guard !allowedCommands.isEmpty, let written = trial.argv.first else { return nil }
    let resolved = resolvedArgv().first ?? written
    if allowedCommands.contains(written) || allowedCommands.contains(resolved) { return nil }
    return
      "the program '\(written)' is not allowed on this worker; it runs only \(allowedCommands.joined(separator: ", ")) (--allow-command)"
  }

  /// `sweep-worker` as the program means this very binary; a relative program path with a '/'
  /// is taken from the working folder; `{output_dir}` becomes this attempt's output folder.
  func resolvedArgv() -> [String] {
    let argv = trial.argv.map {
      $0.contains(CommandTemplate.outputDirectoryMarker)
        ? $0.replacing(CommandTemplate.outputDirectoryMarker, with: outputDirectory) : $0
    }
    guard let program = argv.first else { return [] }
    if program == "sweep-worker" { return selfInvocation + argv.dropFirst() }
    if program.contains("/") && !program.hasPrefix("/") {
      return [workingDirectory + "/" + program] + argv.dropFirst()
    }
    return argv
  }
}
