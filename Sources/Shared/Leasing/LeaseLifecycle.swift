/// How a lease ended.
public enum LeaseEnd: String, Hashable, Sendable, Codable {
  /// Every trial of the lease reported.
  case completed
  /// The worker gave the rest back.
  case released
  /// No heartbeat within the TTL, or the paid time ran out.
  case expired
  /// The sweep was cancelled.
  case cancelled
}

/// A lease's lifecycle as a value: active until it completes, is released, or expires.
public struct LeaseLifecycle: Hashable, Sendable {
  public enum State: Hashable, Sendable {
    case active(expiresAt: Timestamp)
    case closed(LeaseEnd, at: Timestamp)
  }

  public private(set) var state: State
  public let fencingToken: Int64

  public init(state: State, fencingToken: Int64) {
    self.state = state
    self.fencingToken = fencingToken
  }

  /// Why a heartbeat, report or release was refused.
  public enum Rejection: String, Hashable, Sendable, Error {
    /// The token is older than the lease's: the shard was granted again since.
    case fenced = "lease_fenced"
    /// The lease ran past its expiry (and the reaper may not have noticed yet).
    case expired = "lease_expired"
    /// The lease had already ended.
    case closed = "lease_closed"
  }

  /// Checks that a message with `token` at `now` belongs to this live lease.
  public func check(token: Int64, now: Timestamp) -> Rejection? {
    guard token == fencingToken else { return .fenced }
    switch state {
    case .closed: return .closed
    case .active(let expiresAt): return now >= expiresAt ? .expired : nil
    }
  }

  /// Renews the lease to `expiresAt` if it is live.
  public mutating func renew(token: Int64, now: Timestamp, expiresAt: Timestamp) -> Rejection? {
    if let rejection = check(token: token, now: now) { return rejection }
    state = .active(expiresAt: expiresAt)
    return nil
  }

  /// Expires the lease if its time has come; returns whether it did.
  public mutating func expireIfDue(now: Timestamp) -> Bool {
    guard case .active(let expiresAt) = state, now >= expiresAt else { return false }
    state = .closed(.expired, at: expiresAt)
    return true
  }

  /// Ends an active lease; returns whether it was active.
  public mutating func close(_ end: LeaseEnd, at time: Timestamp) -> Bool {
    guard case .active = state else { return false }
    state = .closed(end, at: time)
    return true
  }

  public var isActive: Bool {
    if case .active = state { return true }
    return false
  }
}
