/// How a call to the coordinator failed, split the way the worker must react.
public enum ClientError: Error, Equatable, Sendable {
  /// Retrying cannot help (bad credential, worker deregistered, incompatible API): exit with
  /// `exitCode` and `message`.
  case unrecoverable(code: String, message: String, exitCode: Int32)
  /// The network, a 5xx or a 429: back off with jitter and try again.
  case retryable(String)
  /// A definite "no" about this one request (404, 409, 422): do not retry it.
  case rejected(status: Int, code: String, message: String)

  public var description: String {
    switch self {
    case .unrecoverable(_, let message, _): message
    case .retryable(let message): message
    case .rejected(let status, let code, let message): "\(status) \(code): \(message)"
    }
  }
}

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

/// Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·2ⁿ)].
public struct Backoff: Sendable {
  public var base: Duration
  public var cap: Duration
  public private(set) var attempt = 0

  public init(base: Duration = .milliseconds(250), cap: Duration = .seconds(30)) {
    self.base = base
    self.cap = cap
  }

  /// The next delay; grows until ``reset()``.
  public mutating func next() -> Duration {
    let ceiling = min(cap, base * (1 << min(attempt, 20)))
    attempt += 1
    let milliseconds = max(
      1, ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000)
    var generator = SystemRandomNumberGenerator()
    return .milliseconds(Int64.random(in: milliseconds / 2...milliseconds, using: &generator))
  }

  public mutating func reset() { attempt = 0 }
}
