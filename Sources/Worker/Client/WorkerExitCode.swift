/// Exit codes of `sweep-worker` (docs/worker.md).
public enum WorkerExitCode {
  public static let ok: Int32 = 0
  public static let runtime: Int32 = 1
  public static let badInput: Int32 = 2
  /// The coordinator refused the token or credential (401/403).
  public static let unauthorized: Int32 = 3
  /// The worker was deregistered (410).
  public static let gone: Int32 = 4
  /// The coordinator speaks another API version.
  public static let incompatible: Int32 = 5
}
