import Synchronization

/// Why a child could not start.
public enum SpawnError: Error, Equatable, Sendable {
  case emptyCommand
  /// The program could not be started: its name and the errno.
  case failed(String, Int32)

  public var message: String {
    switch self {
    case .emptyCommand: "the trial's command is empty"
    case .failed(let program, let code): "cannot start '\(program)': \(String(cString: strerror(code)))"
    }
  }
}

/// A child process started with posix_spawn in its own process group, standard input from
/// /dev/null (or a file), standard output and error into pipes the caller reads (or appended to
/// one file).
public struct Spawn: Sendable {
  /// Where the child's standard output and error go.
  public enum Output: Sendable {
    /// Two pipes whose read ends are ``stdout`` and ``stderr``.
    case pipes
    /// Both appended to the file at this path (created if missing); ``stdout`` and ``stderr`` are -1.
    case appending(to: String)
  }

  public let pid: Int32
  /// The read ends of the child's standard output and error (the caller closes them); -1 when
  /// the output went to a file.
  public let stdout: Int32
  public let stderr: Int32

  /// Starts `argv` (searched in PATH when argv[0] has no '/') in `directory` with exactly
  /// `environment`. The child gets its own process group (so a stop reaches the whole tree:
  /// python and its dataloader workers), default signal handling and an empty signal mask,
  /// whatever this process ignores or blocks.
  /// `input`: a file the child reads as standard input (default /dev/null).
  public init(
    argv: [String], environment: [String: String], directory: String, input: String? = nil,
    output: Output = .pipes
  ) throws(SpawnError) {
    guard let program = argv.first, !program.isEmpty else { throw .emptyCommand }
    var actions = Self.newFileActions()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
    var pipes: (out: (read: Int32, write: Int32), err: (read: Int32, write: Int32))? = nil
    switch output {
    case .pipes:
      guard let out = Descriptors.makePipe() else { throw .failed(program, errno) }
      guard let err = Descriptors.makePipe() else {
        Descriptors.close(out.read)
        Descriptors.close(out.write)
        throw .failed(program, errno)
      }
      posix_spawn_file_actions_adddup2(&actions, out.write, 1)
      posix_spawn_file_actions_adddup2(&actions, err.write, 2)
      for fd in [out.read, out.write, err.read, err.write] { posix_spawn_file_actions_addclose(&actions, fd) }
      pipes = (out, err)
    case .appending(let path):
      posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    // Nothing else of this process leaks into the child: a trial must not hold the worker's
    // spool lock or sockets after the worker is gone, nor a test's child a test server's port.
    let closeFlag = Self.closeOthers(&actions)
    let changedDirectory = Self.addChdir(&actions, directory)
    var attributes = Self.newAttributes()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(
      &attributes, Int16(Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) | closeFlag))
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
    let status = Self.spawning(in: changedDirectory ? nil : directory) {
      program.contains("/")
        ? posix_spawn(&child, program, &actions, &attributes, cArgs, cEnv)
        : posix_spawnp(&child, program, &actions, &attributes, cArgs, cEnv)
    }
    if let pipes {
      Descriptors.close(pipes.out.write)
      Descriptors.close(pipes.err.write)
    }
    guard status == 0 else {
      if let pipes {
        Descriptors.close(pipes.out.read)
        Descriptors.close(pipes.err.read)
      }
      throw .failed(program, status)
    }
    pid = child
    stdout = pipes?.out.read ?? -1
    stderr = pipes?.err.read ?? -1
  }

  static let directoryLock = Mutex(())

  /// Where the C library cannot set the child's directory in its file actions: a chdir around
  /// the spawn, under a lock (the worker itself only uses absolute paths).
  static func spawning(in directory: String?, _ spawn: () -> Int32) -> Int32 {
    guard let directory else { return spawn() }
    return directoryLock.withLock { _ in
      var previous = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      guard getcwd(&previous, previous.count) != nil, chdir(directory) == 0 else { return errno }
      defer { _ = chdir(previous) }
      return spawn()
    }
  }
}
