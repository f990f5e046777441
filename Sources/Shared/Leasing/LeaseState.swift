/// A stored lease's state: active, or how it ended. The raw value is the column text.
public enum LeaseState: String, Hashable, Sendable, CaseIterable {
  case active
  case completed
  case released
  case expired
  case cancelled

  public init(_ end: LeaseEnd) {
    switch end {
    case .completed: self = .completed
    case .released: self = .released
    case .expired: self = .expired
    case .cancelled: self = .cancelled
    }
  }

  /// How the lease ended; `nil` while it is active. (A switch: this runs on every heartbeat.)
  public var end: LeaseEnd? {
    switch self {
    case .active: nil
    case .completed: .completed
    case .released: .released
    case .expired: .expired
    case .cancelled: .cancelled
    }
  }
}
