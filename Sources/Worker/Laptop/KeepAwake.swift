import Platform
import Synchronization

/// Keeps the machine from sleeping while at least one trial runs, by running the operating
/// system's own inhibitor for that long: `caffeinate -i -w PID` on macOS (an idle-sleep power
/// assertion that also ends if the worker dies), `systemd-inhibit --what=idle:sleep … tail
/// --pid=PID -f /dev/null` on Linux where systemd-logind runs. Released when the last trial ends.
/// Where no inhibitor works (a container without logind), it says so once and the sweep goes on.
public final class KeepAwake: Sendable {
  let command: [String]
  let launcher: any TrialLauncher
  let log: WorkerLog
  private struct State {
    var holders = 0
    var running: (any RunningTrial)?
    var generation = 0
    var warned = false
  }
  private let state = Mutex(State())

  public init(command: [String], launcher: any TrialLauncher, log: WorkerLog) {
    self.command = command
    self.launcher = launcher
    self.log = log
  }

  /// This platform's inhibitor for process `pid`, or nil when there is none on this machine.
  public static func systemCommand(pid: Int32) -> [String]? {
    #if os(macOS)
      return ["/usr/bin/caffeinate", "-i", "-w", String(pid)]
    #else
      guard let inhibit = ProcessControl.findInPath("systemd-inhibit"), ProcessControl.findInPath("tail") != nil else {
        return nil
      }
      return [
        inhibit, "--what=idle:sleep", "--who=sweep-worker", "--why=running a LoRASweep trial", "--mode=block",
        "tail", "--pid=\(pid)", "-f", "/dev/null",
      ]
    #endif
  }

  /// A trial starts: hold the machine awake.
  public func begin() {
    let start = state.withLock { state -> Int? in
      state.holders += 1
      guard state.holders == 1 else { return nil }
      state.generation += 1
      return state.generation
    }
    guard let generation = start else { return }
    let stderr = Mutex<[String]>([])
    do {
      let process = try launcher.launch(
        LaunchRequest(
          argv: command, environment: ProcessControl.environment(), directory: "/", onStdout: { _ in },
          onStderr: { line in stderr.withLock { $0.append(line) } }))
      let keep = state.withLock { state in
        guard state.generation == generation, state.holders > 0 else { return false }
        state.running = process
        return true
      }
      guard keep else { return process.signalGroup(SIGTERM) }
      log.debug("keeping the machine awake while trials run (\(command[0]))")
      Task {
        let ended = await process.wait()
        let mine = state.withLock { state in
          guard state.generation == generation, state.running != nil else { return false }
          state.running = nil
          return true
        }
        // Ended while still holding: it failed (for instance no systemd-logind in a container).
        if mine { warnOnce("\(command[0]) ended (\(ended)): \(stderr.withLock { $0.joined(separator: " ") })") }
      }
    } catch {
      warnOnce(error.message)
    }
  }

  /// A trial ended: release when it was the last.
  public func end() {
    let process = state.withLock { state -> (any RunningTrial)? in
      state.holders = max(0, state.holders - 1)
      guard state.holders == 0 else { return nil }
      defer { state.running = nil }
      return state.running
    }
    process?.signalGroup(SIGTERM)
  }

  private func warnOnce(_ why: String) {
    let first = state.withLock { state in
      defer { state.warned = true }
      return !state.warned
    }
    if first { log.warning("cannot keep this machine awake while trials run: \(why); it may sleep mid-sweep") }
  }
}
