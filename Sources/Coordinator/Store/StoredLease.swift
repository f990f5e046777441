import Shared

/// The columns of a stored lease both stores keep, and the pure views built from them, written
/// once for ``LeaseRow`` (SQLite) and ``MemoryLease``.
protocol StoredLease {
  var state: LeaseState { get }
  var fencing: Int64 { get }
  var grantedAt: Timestamp { get }
  var expiresAt: Timestamp { get }
  var paidUntil: Timestamp? { get }
  var slotRate: HourlyRate { get }
  var reservationID: UInt64? { get }
  var held: MicroDollars { get }
  var charged: MicroDollars { get }
  /// The paid time kept after the allowance when the lease was fitted to the last of the budget;
  /// `nil`: the policy's stop grace and report margin.
  var tail: Duration? { get }
  /// Set when the lease was re-armed after the coordinator's own absence: an expiry up to then
  /// does not count against its trials (its worker may have given up because of the coordinator;
  /// a heartbeat it sent before giving up may still be answered after the wake).
  var excusedUntil: Timestamp? { get }
}

extension StoredLease {
  var lifecycle: LeaseLifecycle {
    LeaseLifecycle(
      state: state.end.map { .closed($0, at: expiresAt) } ?? .active(expiresAt: expiresAt),
      fencingToken: fencing)
  }

  var meter: LeaseMeter { LeaseMeter(grantedAt: grantedAt, paidUntil: paidUntil, rate: slotRate, charged: charged) }

  var reservation: Reservation? { reservationID.map { Reservation(id: $0, amount: held) } }

  var isPaid: Bool { !slotRate.isFree }

  /// How an expiry at `now` ends the lease: when (its expiry, not later), why, and whether it
  /// counts against the trials: a lost heartbeat does; paid time running out does not (it is the
  /// budget's limit, and the worker stopped the trial itself).
  func expiryTerms(now: Timestamp) -> (end: Timestamp, reason: String, countsAsFailure: Bool) {
    let paidTimeRanOut = paidUntil.map { expiresAt >= $0 } == true
    let excused = excusedUntil.map { expiresAt <= $0 } == true
    let reason =
      paidTimeRanOut
      ? "lease expired: its paid time ran out without a result"
      : excused
        ? "lease expired: no heartbeat after the coordinator's own absence (not counted against the trial)"
        : "lease expired: no heartbeat within the TTL"
    return (min(now, expiresAt), reason, !paidTimeRanOut && !excused)
  }
}
