import Dispatch
import Platform
import Synchronization

/// One trial's program, started with posix_spawn in its own process group, with its output read
/// line by line without blocking the concurrency pool.
final class TrialProcess: Sendable {
  /// How the program ended.
  typealias Termination = Platform.Termination

  let pid: pid_t
  private let state = Mutex(State())
  private let exitWaiters = Mutex<[CheckedContinuation<Termination, Never>]>([])

  private struct State {
    var termination: Termination?
  }

  /// Starts `argv` (searched in PATH when argv[0] has no '/') in `directory` with exactly `environment`,
  /// in its own process group (``Spawn``). `onStdout` and `onStderr` get each complete line, on a background queue.
  init(
    argv: [String], environment: [String: String], directory: String,
    onStdout: @escaping @Sendable (String) -> Void, onStderr: @escaping @Sendable (String) -> Void
  ) throws(SpawnError) {
    let child = try Spawn(argv: argv, environment: environment, directory: directory)
    pid = child.pid
    Self.read(child.stdout, onLine: onStdout)
    Self.read(child.stderr, onLine: onStderr)
    let pid = child.pid
    DispatchQueue.global().async { [self] in
      let termination = ProcessControl.waitForExit(pid)
      state.withLock { $0.termination = termination }
      let waiters = exitWaiters.withLock { waiters in
        defer { waiters.removeAll() }
        return waiters
      }
      for waiter in waiters { waiter.resume(returning: termination) }
    }
  }

  /// Reads a pipe on a dispatch source until EOF, splitting lines.
  private static func read(_ fd: Int32, onLine: @escaping @Sendable (String) -> Void) {
    Descriptors.setNonBlocking(fd)
    let queue = DispatchQueue(label: "lorasweep.trial.output.\(fd)")
    let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
    let splitter = Mutex(LineSplitter())
    source.setEventHandler {
      var buffer = [UInt8](repeating: 0, count: 16_384)
      while true {
        let count = buffer.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
        if count > 0 {
          for line in splitter.withLock({ $0.feed(buffer[0..<count]) }) { onLine(line) }
          continue
        }
        if count == 0 || (errno != EAGAIN && errno != EINTR) {
          if let last = splitter.withLock({ $0.finish() }) { onLine(last) }
          source.cancel()
        }
        return
      }
    }
    source.setCancelHandler { Descriptors.close(fd) }
    source.resume()
  }

  /// Waits for the program to end.
  func wait() async -> Termination {
    await withCheckedContinuation { continuation in
      let done: Termination? = state.withLock { state in
        if let termination = state.termination { return termination }
        exitWaiters.withLock { $0.append(continuation) }
        return nil
      }
      if let done { continuation.resume(returning: done) }
    }
  }

  var hasExited: Bool { state.withLock { $0.termination != nil } }

  /// Sends `signal` to the whole process group.
  func signalGroup(_ signal: Int32) {
    guard !hasExited else { return }
    ProcessControl.signalGroup(pid, signal)
  }

  /// SIGTERM to the group, then SIGKILL after `grace` if it is still running.
  func stop(grace: Duration) async -> Termination {
    signalGroup(SIGTERM)
    let deadline = ContinuousClock.now + grace
    while !hasExited && ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(50))
    }
    if !hasExited { signalGroup(SIGKILL) }
    let termination = await wait()
    ProcessControl.signalGroup(pid, SIGKILL)  // anything the program left behind in its group
    return termination
  }
}
