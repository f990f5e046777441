import Platform
import Synchronization

/// A child process whose end is awaited, not polled: started with posix_spawn in its own process
/// group (Platform's ``Spawn``; Foundation's `Process.run` crashed now and then under load), its
/// standard output and error appended to a file, and a dedicated thread waiting for its exit.
final class ChildProcess: Sendable {
  let pid: Int32
  private let exit = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

  /// Starts `arguments` (argv[0] searched in PATH when it has no '/') in `directory` with exactly
  /// `environment`, standard input from /dev/null.
  init(_ arguments: [String], environment: [String: String], output: String, directory: String) throws(SpawnError) {
    let child = try Spawn(
      argv: arguments, environment: environment, directory: directory, output: .appending(to: output))
    pid = child.pid
    Threads.detach { [self] in
      let status = ProcessControl.waitForExit(child.pid).shellStatus
      let waiters = exit.withLock { state in
        state.status = status
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume(returning: status) }
    }
  }

  /// Its exit status as a shell says it (128 + the signal that ended it).
  func exitStatus() async -> Int32 {
    await withCheckedContinuation { continuation in
      let status: Int32? = exit.withLock { state in
        if let status = state.status { return status }
        state.waiters.append(continuation)
        return nil
      }
      if let status { continuation.resume(returning: status) }
    }
  }

  /// SIGTERM to the process: a worker finishes its part and leaves.
  func terminate() { ProcessControl.signal(pid, SIGTERM) }

  /// SIGTERM to its whole process group: a shell command and everything it started.
  func terminateGroup() { ProcessControl.signalGroup(pid, SIGTERM) }
}
