/// How a call to the coordinator failed, split the way the worker must react.
public enum ClientError: Error, Equatable, Sendable {
  /// Why retrying cannot help; each reason has its own exit code (docs/worker.md).
  public enum Fatal: String, Equatable, Sendable {
    /// The coordinator refused the token or credential (401, 403).
    case unauthorized
    /// The worker was deregistered (410).
    case gone
    /// The coordinator speaks another major API version.
    case incompatible

    public var exitCode: Int32 {
      switch self {
      case .unauthorized: WorkerExitCode.unauthorized
      case .gone: WorkerExitCode.gone
      case .incompatible: WorkerExitCode.incompatible
      }
    }
  }

  /// Retrying cannot help: exit with the reason's exit code and `message`.
  case unrecoverable(Fatal, code: String, message: String)
  /// The network, a 5xx or a 429: back off with jitter and try again.
  case retryable(String)
  /// A definite "no" about this one request (404, 409, 422): do not retry it.
  case rejected(status: Int, code: String, message: String)

  public var description: String {
    switch self {
    case .unrecoverable(_, _, let message): message
    case .retryable(let message): message
    case .rejected(let status, let code, let message): "\(status) \(code): \(message)"
    }
  }
}
