import Shared

/// Join tokens with an expiry: minted, listed, revoked, and checked when a machine joins.
extension Scheduler {
  static func createJoinToken<S: SchedulerStorage>(
    _ s: inout S, id: String, secretHash: [UInt8], label: String, lifetime: Duration, now: Timestamp
  ) throws -> JoinTokenRecord {
    guard JoinTokenRecord.lifetimes.contains(lifetime) else {
      throw StoreError.invalid(
        code: "invalid_expiry", message: "expires_in_s: expected 60 seconds to 30 days, got \(lifetime.secondsDouble)")
    }
    let token = JoinTokenRecord(
      id: id, secretHash: secretHash, label: label, createdAt: now, expiresAt: now + lifetime)
    try s.insertJoinToken(token)
    return token
  }

  static func revokeJoinToken<S: SchedulerStorage>(_ s: inout S, id: String, now: Timestamp) throws -> JoinTokenRecord {
    guard var token = try s.joinToken(id: id) else {
      throw StoreError.notFound(code: "join_token_not_found", message: "no join token '\(id)' (sweep join-token list)")
    }
    if token.revokedAt == nil {
      try s.setJoinTokenRevoked(id: id, at: now)
      token.revokedAt = now
    }
    return token
  }
}
