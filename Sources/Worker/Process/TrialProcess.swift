import Platform
import Synchronization

/// One trial's program, started with posix_spawn in its own process group. Two dedicated
/// threads (``Threads``) do what blocks: one waits for the program's exit, one reads its stdout
/// and stderr with poll(2) line by line. Neither holds a thread of the concurrency pool, and no
/// libdispatch source watches the pipes (on Linux, tearing such sources down at the rate of fast
/// trials crashed libdispatch's epoll manager; swift-corelibs-libdispatch#949).
final class TrialProcess: RunningTrial {
  /// How the program ended.
  typealias Termination = Platform.Termination

  /// How long output may keep arriving after the program exited (a grandchild that inherited the
  /// pipes and lives on must not hold the result back).
  static let outputGraceMilliseconds: Int64 = 1000

  let pid: pid_t
  private let state = Mutex(State())

  private struct State {
    var termination: Termination?
    var outputDone = false
    var waiters: [CheckedContinuation<Termination, Never>] = []
    var finished: Termination? { outputDone ? termination : nil }
  }

  /// Starts `argv` (searched in PATH when argv[0] has no '/') in `directory` with exactly `environment`,
  /// in its own process group (``Spawn``). `onStdout` and `onStderr` get each complete line, on the reader thread.
  init(
    argv: [String], environment: [String: String], directory: String,
    onStdout: @escaping @Sendable (String) -> Void, onStderr: @escaping @Sendable (String) -> Void
  ) throws(SpawnError) {
    // The exit waiter tells the reader through this pipe, so the reader never polls on a timer.
    guard let exited = Descriptors.makePipe() else { throw .failed(argv.first ?? "", errno) }
    let child: Spawn
    do {
      child = try Spawn(argv: argv, environment: environment, directory: directory)
    } catch {
      Descriptors.close(exited.read)
      Descriptors.close(exited.write)
      throw error
    }
    pid = child.pid
    let pid = child.pid
    Threads.detach { [self] in
      let termination = ProcessControl.waitForExit(pid)
      update { $0.termination = termination }
      var byte: UInt8 = 1
      withUnsafeBytes(of: &byte) { _ = Descriptors.writeAll(exited.write, $0) }
      Descriptors.close(exited.write)
    }
    Threads.detach { [self] in
      Self.readOutput(stdout: child.stdout, stderr: child.stderr, exited: exited.read, onStdout, onStderr)
      update { $0.outputDone = true }
    }
  }

  /// Reads both pipes until both reach end of file, or until ``outputGraceMilliseconds`` after
  /// the exit; then closes them.
  private static func readOutput(
    stdout: Int32, stderr: Int32, exited: Int32, _ onStdout: @escaping @Sendable (String) -> Void,
    _ onStderr: @escaping @Sendable (String) -> Void
  ) {
    var pipes = [stdout, stderr]
    var splitters = [LineSplitter(), LineSplitter()]
    let sinks = [onStdout, onStderr]
    var exitSignal = exited
    var giveUpAt: Int64?
    var buffer = [UInt8](repeating: 0, count: 16_384)
    for fd in pipes { Descriptors.setNonBlocking(fd) }
    while pipes.contains(where: { $0 >= 0 }) {
      var timeout: Int32 = -1
      if let giveUpAt {
        let left = giveUpAt - MonotonicMilliseconds.now()
        if left <= 0 { break }
        timeout = Int32(min(left, Int64(Int32.max)))
      }
      let readiness = Descriptors.waitReadable(pipes + [exitSignal], timeoutMilliseconds: timeout)
      if readiness.ready[2] {
        Descriptors.close(exitSignal)
        exitSignal = -1
        giveUpAt = MonotonicMilliseconds.now() + outputGraceMilliseconds
      }
      for index in 0..<2 where readiness.ready[index] {
        while true {
          let count = buffer.withUnsafeMutableBytes { Descriptors.read(pipes[index], into: $0) }
          if count > 0 {
            for line in splitters[index].feed(buffer[0..<count]) { sinks[index](line) }
            continue
          }
          if count == 0 || (errno != EAGAIN && errno != EINTR) {
            if let last = splitters[index].finish() { sinks[index](last) }
            Descriptors.close(pipes[index])
            pipes[index] = -1
          }
          break
        }
      }
    }
    for index in 0..<2 where pipes[index] >= 0 {
      if let last = splitters[index].finish() { sinks[index](last) }
      Descriptors.close(pipes[index])
    }
    if exitSignal >= 0 { Descriptors.close(exitSignal) }
  }

  /// Changes the state and resumes the waiters once the program ended and its output was read.
  private func update(_ change: (inout State) -> Void) {
    let (waiters, termination) = state.withLock { state -> ([CheckedContinuation<Termination, Never>], Termination?) in
      change(&state)
      guard let finished = state.finished, !state.waiters.isEmpty else { return ([], nil) }
      defer { state.waiters.removeAll() }
      return (state.waiters, finished)
    }
    if let termination { for waiter in waiters { waiter.resume(returning: termination) } }
  }

  /// Waits for the program to end and its output to be read (at most ``outputGraceMilliseconds`` after the exit).
  func wait() async -> Termination {
    await withCheckedContinuation { continuation in
      let done: Termination? = state.withLock { state in
        if let finished = state.finished { return finished }
        state.waiters.append(continuation)
        return nil
      }
      if let done { continuation.resume(returning: done) }
    }
  }

  /// Sends `signal` to the whole process group (also after the leader exited: what it left behind).
  func signalGroup(_ signal: Int32) {
    ProcessControl.signalGroup(pid, signal)
  }
}

/// The monotonic clock in milliseconds, for the reader thread's deadline.
enum MonotonicMilliseconds {
  static func now() -> Int64 {
    let instant = ContinuousClock.now
    let since = instant - MonotonicMilliseconds.origin
    return since.components.seconds * 1000 + since.components.attoseconds / 1_000_000_000_000_000
  }
  private static let origin = ContinuousClock.now
}
