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
