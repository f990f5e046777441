import Platform

/// What a trial's program is started with.
public struct LaunchRequest: Sendable {
  /// The program and its arguments (argv[0] is searched in PATH when it has no '/').
  public var argv: [String]
  /// Exactly the program's environment.
  public var environment: [String: String]
  /// Its working directory.
  public var directory: String
  /// Each complete line of standard output / standard error.
  public var onStdout: @Sendable (String) -> Void
  public var onStderr: @Sendable (String) -> Void
}

/// A trial's program while it runs.
public protocol RunningTrial: Sendable {
  /// Returns once the program has ended and its output has been read.
  func wait() async -> Termination
  /// Sends `signal` to the program's whole process group.
  func signalGroup(_ signal: Int32)
}

/// Starts trial programs; injected so that tests run the real agent with scripted programs.
public protocol TrialLauncher: Sendable {
  func launch(_ request: LaunchRequest) throws(SpawnError) -> any RunningTrial
}

/// Real programs: posix_spawn in their own process group (``TrialProcess``).
public struct ProcessLauncher: TrialLauncher {
  public init() {}
  public func launch(_ request: LaunchRequest) throws(SpawnError) -> any RunningTrial {
    try TrialProcess(
      argv: request.argv, environment: request.environment, directory: request.directory,
      onStdout: request.onStdout, onStderr: request.onStderr)
  }
}
