import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One trial's program, started with posix_spawn in its own process group, with its output read
/// line by line without blocking the concurrency pool.
final class TrialProcess: Sendable {
  /// How the program ended.
  enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signalled(Int32)
  }

  let pid: pid_t
  private let state = Mutex(State())
  private let exitWaiters = Mutex<[CheckedContinuation<Termination, Never>]>([])

  private struct State {
    var termination: Termination?
  }

  /// Starts `argv` (searched in PATH when argv[0] has no '/') in `directory` with exactly `environment`.
  /// `onStdout` and `onStderr` get each complete line, on a background queue.
  init(
    argv: [String], environment: [String: String], directory: String,
    onStdout: @escaping @Sendable (String) -> Void, onStderr: @escaping @Sendable (String) -> Void
  ) throws(TrialProcessError) {
    guard let program = argv.first, !program.isEmpty else { throw .emptyCommand }
    var outPipe: [Int32] = [0, 0]
    var errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw .spawnFailed(program, errno) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
    let changedDirectory = SpawnDirectory.addChdir(&actions, directory)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Its own process group, so that a stop reaches the whole tree (python + dataloader workers);
    // default signal handling and an empty mask, whatever the worker itself ignores or blocks.
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    posix_spawnattr_setpgroup(&attributes, 0)
    var defaults = sigset_t()
    sigfillset(&defaults)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in cArgs + cEnv { free(pointer) }
    }
    var child: pid_t = 0
    let status = SpawnDirectory.spawning(in: changedDirectory ? nil : directory) {
      program.contains("/")
        ? posix_spawn(&child, program, &actions, &attributes, cArgs, cEnv)
        : posix_spawnp(&child, program, &actions, &attributes, cArgs, cEnv)
    }
    close(outPipe[1])
    close(errPipe[1])
    guard status == 0 else {
      close(outPipe[0])
      close(errPipe[0])
      throw .spawnFailed(program, status)
    }
    pid = child
    Self.read(outPipe[0], onLine: onStdout)
    Self.read(errPipe[0], onLine: onStderr)
    let pid = child
    DispatchQueue.global().async { [self] in
      var raw: Int32 = 0
      while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
      let termination: Termination =
        (raw & 0x7F) == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(raw & 0x7F)
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
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    let queue = DispatchQueue(label: "lorasweep.trial.output.\(fd)")
    let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
    let splitter = Mutex(LineSplitter())
    source.setEventHandler {
      var buffer = [UInt8](repeating: 0, count: 16_384)
      while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
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
    source.setCancelHandler { close(fd) }
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
    kill(-pid, signal)
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
    kill(-pid, SIGKILL)  // anything the program left behind in its group
    return termination
  }
}

/// Why a trial's program could not start.
enum TrialProcessError: Error, Equatable {
  case emptyCommand
  case spawnFailed(String, Int32)

  var message: String {
    switch self {
    case .emptyCommand: "the trial's command is empty"
    case .spawnFailed(let program, let code): "cannot start '\(program)': \(String(cString: strerror(code)))"
    }
  }
}

/// Starting a child in another directory: glibc's `posix_spawn_file_actions_addchdir_np` when the
/// C library has it (looked up at run time, as the headers hide it), else a chdir around the spawn
/// under a lock (the worker itself only uses absolute paths).
enum SpawnDirectory {
  typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
  static let addChdirFunction: AddChdir? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
      return nil
    }
    return unsafeBitCast(symbol, to: AddChdir.self)
  }()
  static let lock = Mutex(())

  static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
    guard let function = addChdirFunction else { return false }
    return function(&actions, directory) == 0
  }

  static func spawning(in directory: String?, _ spawn: () -> Int32) -> Int32 {
    guard let directory else { return spawn() }
    return lock.withLock { _ in
      var previous = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      guard getcwd(&previous, previous.count) != nil, chdir(directory) == 0 else { return errno }
      defer { _ = chdir(previous) }
      return spawn()
    }
  }
}
