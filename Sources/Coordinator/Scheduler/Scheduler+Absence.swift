import Shared

extension Scheduler {
  /// The coordinator was itself away — its laptop asleep, its process stopped — from
  /// `absentSince` to `now`, so its workers could not renew their leases. Every active lease
  /// that was still alive when it went away gets a fresh TTL from `now` (never past its paid
  /// time: money is not extended), and an expiry within two TTLs from `now` is excused: a worker
  /// that comes back renews it and carries on; one that gave up meanwhile (its `--max-idle` ran
  /// out while it could not reach the coordinator) lets it expire without the expiry counting
  /// against its trials — even when a heartbeat it sent before giving up is answered after the wake.
  static func excuseLeases<S: SchedulerStorage>(
    _ s: inout S, absentSince: Timestamp, now: Timestamp, policy: LeasePolicy
  ) throws -> Int {
    var excused = 0
    for ref in try s.activeLeases() {
      let lease = try s.lease(ref)
      guard lease.expiresAt >= absentSince else { continue }
      let renewed = policy.expiry(now: now, paidUntil: lease.paidUntil)
      try s.excuseLease(ref, expiresAt: max(renewed, lease.expiresAt), until: now + policy.ttl * 2)
      excused += 1
    }
    return excused
  }

  /// Excuses the expiry of one active lease until `until`, its expiry unchanged.
  static func excuseLease<S: SchedulerStorage>(_ s: inout S, id: String, until: Timestamp) throws {
    guard let lease = try s.lease(id: id), lease.state == .active else { return }
    try s.excuseLease(lease.ref, expiresAt: lease.expiresAt, until: until)
  }
}
