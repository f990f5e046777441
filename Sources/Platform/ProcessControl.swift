import Synchronization

/// How a child process ended.
public enum Termination: Equatable, Sendable {
  case exited(Int32)
  case signalled(Int32)

  /// As a shell reports it: the exit code, or 128 + the signal.
  public var shellStatus: Int32 {
    switch self {
    case .exited(let code): code
    case .signalled(let signal): 128 + signal
    }
  }
}

/// The running process and its children: exit, environment, own path, signals, waiting, a shell.
public enum ProcessControl {
  /// Ends the process now with `code`, as exit(3).
  public static func exit(_ code: Int32) -> Never { cExit(code) }

  /// The process's environment, read from the C library (no Foundation).
  public static func environment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environmentPointer()
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      pointer += 1
    }
    return result
  }

  /// This process's id.
  public static var processID: Int32 { getpid() }

  public static func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  /// How long the machine has been up, in seconds; nil if the system will not say.
  public static func uptime() -> Double? { systemUptime() }

  /// How long this process has been running, in seconds; nil if the system will not say.
  public static func age() -> Double? { ownAge() }

  /// The absolute path of the running executable, symlinks resolved; `nil` if the system will not say.
  public static func executablePath() -> String? { ownExecutablePath() }

  /// Sends `signal` to a process.
  public static func signal(_ pid: Int32, _ signal: Int32) { _ = kill(pid, signal) }

  /// Sends `signal` to a whole process group (a child started with ``Spawn/newProcessGroup``).
  public static func signalGroup(_ pid: Int32, _ signal: Int32) { _ = kill(-pid, signal) }

  /// Blocks until `pid` ends (retrying on EINTR) and says how.
  public static func waitForExit(_ pid: Int32) -> Termination {
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
    return (raw & 0x7F) == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(raw & 0x7F)
  }

  /// Says how `pid` ended if it has (reaping it), nil while it runs. Once reaped, a second call
  /// does not know the child any more: the caller keeps the answer.
  public static func exitIfEnded(_ pid: Int32) -> Termination? {
    var raw: Int32 = 0
    var result = waitpid(pid, &raw, WNOHANG)
    while result < 0 && errno == EINTR { result = waitpid(pid, &raw, WNOHANG) }
    guard result == pid else { return nil }
    return (raw & 0x7F) == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(raw & 0x7F)
  }

  /// Runs `command` through `/bin/sh -c` with this process's environment and waits for it;
  /// returns its shell status (-1 when it could not start).
  public static func runShell(_ command: String) -> Int32 {
    var pid: pid_t = 0
    let words: [String] = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environmentPointer()) == 0 else { return -1 }
    return waitForExit(pid).shellStatus
  }
}
