import Platform
import Synchronization

@testable import Worker

/// Scripted trial programs for in-process agent tests. Each launch takes the next script (or
/// the default): print lines and exit, or run until signalled. Launches and signals are
/// recorded; a test awaits them instead of sleeping.
final class FakeLauncher: TrialLauncher {
  enum Script: Sendable {
    /// Prints `stdout` and exits with `code`.
    case exits(Int32, stdout: [String])
    /// Runs until SIGTERM or SIGKILL; SIGTERM ends it as `onTerm` (nil: ignores SIGTERM).
    case runsUntilSignalled(onTerm: Termination?)
  }

  private struct State {
    var scripts: [Script] = []
    var launched: [LaunchRequest] = []
    var processes: [FakeTrial] = []
    var signals: [(argv: [String], signal: Int32)] = []
    /// What the trial's control file said when each signal arrived (nil: no file).
    var controlAtSignal: [String?] = []
    var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
  }
  private let state = Mutex(State())
  let defaultScript: Script

  init(_ scripts: [Script] = [], default defaultScript: Script = .exits(0, stdout: [#"{"accuracy": 0.9}"#])) {
    self.defaultScript = defaultScript
    state.withLock { $0.scripts = scripts }
  }

  var launched: [[String]] { state.withLock { $0.launched.map(\.argv) } }
  /// The full requests: folder and environment too.
  var requests: [LaunchRequest] { state.withLock { $0.launched } }
  var signals: [(argv: [String], signal: Int32)] { state.withLock { $0.signals } }
  var controlAtSignal: [String?] { state.withLock { $0.controlAtSignal } }

  /// Returns once `count` programs were launched.
  func launches(atLeast count: Int) async {
    await withCheckedContinuation { continuation in
      let ready = state.withLock { state in
        if state.launched.count >= count { return true }
        state.waiters.append((count, continuation))
        return false
      }
      if ready { continuation.resume() }
    }
  }

  /// The program launched `index`-th (from 0), to end it from the test.
  func process(_ index: Int) -> FakeTrial { state.withLock { $0.processes[index] } }

  func launch(_ request: LaunchRequest) throws(SpawnError) -> any RunningTrial {
    let (script, ready) = state.withLock { state in
      // a sleep inhibitor (KeepAwake) runs until told to stop, whatever the trials do
      let script: Script =
        request.argv.first == "inhibit"
        ? .runsUntilSignalled(onTerm: .signalled(SIGTERM))
        : state.scripts.isEmpty ? defaultScript : state.scripts.removeFirst()
      state.launched.append(request)
      let count = state.launched.count
      let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
      state.waiters.removeAll { $0.count <= count }
      return (script, ready)
    }
    let controlFile = request.environment["SWEEP_CONTROL_FILE"]
    let process = FakeTrial(argv: request.argv) { [self] argv, signal in
      let control = controlFile.flatMap { FileSystem.read($0) }.map { String(decoding: $0, as: UTF8.self) }
      state.withLock {
        $0.signals.append((argv, signal))
        $0.controlAtSignal.append(control)
      }
    }
    state.withLock { $0.processes.append(process) }
    switch script {
    case .exits(let code, let stdout):
      for line in stdout { request.onStdout(line) }
      process.end(.exited(code))
    case .runsUntilSignalled(let onTerm):
      process.onTerm = onTerm
    }
    for waiter in ready { waiter.resume() }
    return process
  }
}

/// One scripted program.
final class FakeTrial: RunningTrial, @unchecked Sendable {
  let argv: [String]
  let onSignal: @Sendable ([String], Int32) -> Void
  private let state = Mutex<(ended: Termination?, waiters: [CheckedContinuation<Termination, Never>])>((nil, []))
  /// Set before the program is handed out, never after.
  var onTerm: Termination?

  init(argv: [String], onSignal: @escaping @Sendable ([String], Int32) -> Void) {
    self.argv = argv
    self.onSignal = onSignal
  }

  func end(_ termination: Termination) {
    let waiters = state.withLock { state -> [CheckedContinuation<Termination, Never>] in
      guard state.ended == nil else { return [] }
      state.ended = termination
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: termination) }
  }

  func wait() async -> Termination {
    await withCheckedContinuation { continuation in
      let ended = state.withLock { state -> Termination? in
        if let ended = state.ended { return ended }
        state.waiters.append(continuation)
        return nil
      }
      if let ended { continuation.resume(returning: ended) }
    }
  }

  func signalGroup(_ signal: Int32) {
    onSignal(argv, signal)
    if signal == SIGKILL { end(.signalled(SIGKILL)) }
    if signal == SIGTERM, let onTerm { end(onTerm) }
  }
}
