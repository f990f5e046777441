import Shared

/// Why the store refused an operation. The API maps each case to a status code and JSON body.
public enum StoreError: Error, Equatable, Sendable {
  /// 404: no such sweep, trial, lease or worker.
  case notFound(code: String, message: String)
  /// 403: the caller may not act on this object (another worker's lease).
  case forbidden(code: String, message: String)
  /// 409: the request conflicts with the current state (fenced lease, trial already completed).
  case conflict(code: String, message: String)
  /// 410: the worker was deregistered.
  case gone(code: String, message: String)
  /// 422: the request is well-formed but its content is not acceptable.
  case invalid(code: String, message: String)
  /// 500: stored data is inconsistent (should never happen; logged).
  case corrupt(String)
}
