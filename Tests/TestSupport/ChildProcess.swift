import Foundation
import Platform
import Synchronization

/// A child process for tests, started with posix_spawn (Platform's ``Spawn``) rather than
/// Foundation's `Process`, whose `run()` crashed now and then under the test runner's load
/// (SIGSEGV inside `Process.run`, seen in clean-clone CI). It is reaped with waitpid; the
/// termination is kept once known.
public final class ChildProcess: Sendable {
  public let pid: Int32
  /// The read ends of standard output and error when started with pipes, else -1.
  public let stdout: Int32
  public let stderr: Int32
  private let ended = Mutex<Termination?>(nil)

  /// `environment` is added to this process's own; `input` is a file read as standard input.
  public init(
    executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
    input: String? = nil, output: Spawn.Output
  ) throws {
    let merged = ProcessControl.environment().merging(environment) { _, new in new }
    do {
      let child = try Spawn(
        argv: [executable] + arguments, environment: merged,
        directory: directory ?? FileManager.default.currentDirectoryPath, input: input, output: output)
      pid = child.pid
      stdout = child.stdout
      stderr = child.stderr
    } catch {
      throw ServeError(error.message)
    }
  }

  /// How it ended, or nil while it runs.
  public var termination: Termination? {
    ended.withLock { known in
      if known == nil { known = ProcessControl.exitIfEnded(pid) }
      return known
    }
  }

  public var isRunning: Bool { termination == nil }

  /// As Foundation's `terminationStatus`: the exit code, or the signal that ended it.
  public var terminationStatus: Int32 {
    switch termination {
    case .exited(let code): code
    case .signalled(let signal): signal
    case nil: -1
    }
  }

  /// Blocks until it ends (polling waitpid every 5 ms, so `isRunning` from another thread never
  /// waits on a lock held across a blocking wait).
  public func waitUntilExit() {
    while isRunning { usleep(5_000) }
  }

  public func signal(_ signal: Int32) { ProcessControl.signal(pid, signal) }
}
