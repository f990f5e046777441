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
/// /dev/null, standard output and error into pipes the caller reads.
public struct Spawn: Sendable {
  public let pid: Int32
  /// The read ends of the child's standard output and error; the caller closes them.
  public let stdout: Int32
  public let stderr: Int32

  /// Starts `argv` (searched in PATH when argv[0] has no '/') in `directory` with exactly
  /// `environment`. The child gets its own process group (so a stop reaches the whole tree:
  /// python and its dataloader workers), default signal handling and an empty signal mask,
  /// whatever this process ignores or blocks.
  public init(argv: [String], environment: [String: String], directory: String) throws(SpawnError) {
    guard let program = argv.first, !program.isEmpty else { throw .emptyCommand }
    guard let out = Descriptors.makePipe() else { throw .failed(program, errno) }
    guard let err = Descriptors.makePipe() else {
      Descriptors.close(out.read)
      Descriptors.close(out.write)
      throw .failed(program, errno)
    }
    var actions = Self.newFileActions()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, out.write, 1)
    posix_spawn_file_actions_adddup2(&actions, err.write, 2)
    for fd in [out.read, out.write, err.read, err.write] { posix_spawn_file_actions_addclose(&actions, fd) }
    let changedDirectory = Self.addChdir(&actions, directory)
    var attributes = Self.newAttributes()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
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
    let status = Self.spawning(in: changedDirectory ? nil : directory) {
      program.contains("/")
        ? posix_spawn(&child, program, &actions, &attributes, cArgs, cEnv)
        : posix_spawnp(&child, program, &actions, &attributes, cArgs, cEnv)
    }
    Descriptors.close(out.write)
    Descriptors.close(err.write)
    guard status == 0 else {
      Descriptors.close(out.read)
      Descriptors.close(err.read)
      throw .failed(program, status)
    }
    pid = child
    stdout = out.read
    stderr = err.read
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
