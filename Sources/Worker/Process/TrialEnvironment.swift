/// Which of the worker's environment variables a trial inherits (`--pass-env`, `--drop-env`,
/// `--secret-env`; docs/security.md). A trial runs the sweep's code, not the operator's, so the
/// worker's own credentials are never handed on. Names are exact, or a prefix ending in `*`.
public struct TrialEnvironmentPolicy: Sendable, Equatable {
  /// Withheld from every trial whatever the flags say.
  public static let builtinSecrets = ["SWEEP_WORKER_TOKEN", "SWEEP_ADMIN_TOKEN", "SWEEP_VIEWER_TOKEN"]
  /// Kept when `--pass-env` narrows the environment: what any program needs to start.
  public static let essentials = [
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_*", "TZ", "TMPDIR", "TERM", "VIRTUAL_ENV",
    "CONDA_PREFIX", "PYTHONPATH",
  ]

  /// When not empty, the trial inherits only these (and ``essentials``).
  public var pass: [String] = []
  /// Removed from what the trial inherits.
  public var drop: [String] = []
  /// The operator's secrets: removed like `drop`, and named as secrets in docs and logs.
  public var secrets: [String] = []

  public init(pass: [String] = [], drop: [String] = [], secrets: [String] = []) {
    self.pass = pass
    self.drop = drop
    self.secrets = secrets
  }

  /// The environment a trial starts from, given the worker's own.
  public func apply(to environment: [String: String]) -> [String: String] {
    let withheld = Self.builtinSecrets + secrets + drop
    let kept = pass.isEmpty ? nil : pass + Self.essentials
    return environment.filter { name, _ in
      if withheld.contains(where: { Self.matches(name, $0) }) { return false }
      if let kept { return kept.contains { Self.matches(name, $0) } }
      return true
    }
  }

  /// A problem with a pattern, for the command line: empty, or a `*` anywhere but at the end.
  public static func invalidPattern(_ pattern: String) -> String? {
    if pattern.isEmpty { return "an empty name" }
    if pattern.dropLast().contains("*") || pattern.contains("=") {
      return "'\(pattern)' is not a variable name or a prefix ending in '*'"
    }
    return nil
  }

  static func matches(_ name: String, _ pattern: String) -> Bool {
    pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
  }
}
