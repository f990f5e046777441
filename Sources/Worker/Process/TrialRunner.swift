import Platform
import Shared
import Synchronization

/// How one attempt ended, as it will be reported.
public struct TrialOutcome: Sendable, Equatable, Codable {
  public var status: AttemptStatus
  public var metrics: [String: Double]
  public var exitCode: Int?
  public var stderrTail: String
  public var durationS: Double
}

/// Runs one leased trial: its own folder under the spool, the documented environment, its own
/// process group; reads metrics from stdout and `SWEEP_METRICS_FILE`; enforces the timeout and the
/// paid-time allowance with the monotonic clock; stops it (SIGTERM, grace, SIGKILL) when asked.
struct TrialRunner {
  var trial: LeasedTrial
  var sweepID: String
  var workerName: String
  var directory: String
  var projectDirectory: String
  var selfInvocation: [String]
  var timeout: Duration?
  var stopGrace: Duration
  var control: TrialControl
  /// When not empty, the only programs this worker runs (`--allow-command`).
  var allowedCommands: [String] = []
  var onLog: @Sendable (String) -> Void = { _ in }

  func run() async -> TrialOutcome {
    let started = ContinuousClock.now
    let metricsFile = directory + "/metrics.jsonl"
    var environment = ProcessControl.environment()
    environment["SWEEP_TRIAL_ID"] = trial.trialId
    environment["SWEEP_SWEEP_ID"] = sweepID
    environment["SWEEP_DOMAIN"] = trial.domain
    environment["SWEEP_WORKER"] = workerName
    environment["SWEEP_ATTEMPT"] = String(trial.attempt)
    environment["SWEEP_METRICS_FILE"] = metricsFile
    environment["SWEEP_PROJECT_DIR"] = projectDirectory
    for (name, value) in trial.params { environment["SWEEP_PARAM_" + name.uppercased()] = value.canonical }
    let tail = Mutex(OutputTail())
    let control = self.control
    let onLog = self.onLog
    let record: @Sendable (String) -> Void = { line in
      if let metrics = MetricsLine.parse(line) {
        control.record(metrics)
      } else {
        tail.withLock { $0.append(line) }
        onLog(line)
      }
    }
    if let refusal = refusal() {
      return TrialOutcome(
        status: .failed, metrics: [:], exitCode: nil, stderrTail: refusal,
        durationS: (ContinuousClock.now - started).secondsDouble)
    }
    let process: TrialProcess
    do {
      _ = FileSystem.makeDirectory(directory)
      process = try TrialProcess(
        argv: resolvedArgv(), environment: environment, directory: directory, onStdout: record,
        onStderr: { line in
          tail.withLock { $0.append(line) }
          onLog(line)
        })
    } catch {
      return TrialOutcome(
        status: .failed, metrics: [:], exitCode: nil, stderrTail: error.message,
        durationS: (ContinuousClock.now - started).secondsDouble)
    }
    var metricsReader = MetricsFileReader(path: metricsFile)
    var stoppedFor: AttemptStatus? = nil
    while !process.hasExited {
      for line in metricsReader.readNewLines() { record(line) }
      let now = ContinuousClock.now
      if let reason = control.stopReason {
        stoppedFor = reason
      } else if let timeout, now - started >= timeout {
        stoppedFor = .timedOut
      } else if let deadline = control.allowanceDeadline, now >= deadline {
        stoppedFor = .allowanceExhausted
      }
      if let reason = stoppedFor {
        onLog("stopping trial \(trial.trialId): \(reason.rawValue)")
        _ = await process.stop(grace: stopGrace)
        break
      }
      try? await Task.sleep(for: .milliseconds(50))
    }
    let termination = await process.wait()
    try? await Task.sleep(for: .milliseconds(20))  // let the output sources drain
    for line in metricsReader.readNewLines(final: true) { record(line) }
    let status: AttemptStatus
    let exitCode: Int?
    switch termination {
    case .exited(let code):
      exitCode = Int(code)
      status = stoppedFor ?? (code == 0 ? .succeeded : .failed)
    case .signalled(let signal):
      exitCode = 128 + Int(signal)
      status = stoppedFor ?? .failed
      if stoppedFor == nil { tail.withLock { $0.append("killed by signal \(signal)") } }
    }
    return TrialOutcome(
      status: status, metrics: control.metrics.latest, exitCode: exitCode, stderrTail: tail.withLock { $0.text },
      durationS: (ContinuousClock.now - started).secondsDouble)
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
  /// is taken from the directory the worker was started in.
  func resolvedArgv() -> [String] {
    guard let program = trial.argv.first else { return [] }
    if program == "sweep-worker" { return selfInvocation + trial.argv.dropFirst() }
    if program.contains("/") && !program.hasPrefix("/") {
      return [projectDirectory + "/" + program] + trial.argv.dropFirst()
    }
    return trial.argv
  }
}

/// Reads lines appended to the metrics file since the last call.
struct MetricsFileReader {
  let path: String
  private var offset: off_t = 0
  private var splitter = LineSplitter()

  init(path: String) { self.path = path }

  mutating func readNewLines(final: Bool = false) -> [String] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var lines: [String] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    while true {
      let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
      guard count > 0 else { break }
      offset += off_t(count)
      lines += splitter.feed(buffer[0..<count])
    }
    if final, let last = splitter.finish() { lines.append(last) }
    return lines
  }
}
