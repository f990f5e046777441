/// A paid worker's whole bill, accrued as time passes: a rented box bills from boot to stop,
/// not only while it holds a lease. Lease time is charged by each lease (``LeaseMeter``); this
/// value charges the rest — the slot-time between, before and after leases — as idle.
///
/// Accrual is cumulative like ``LeaseMeter``: the idle slot-time grows, the charge is the rate
/// times all of it rounded up once, and each accrual returns the difference, so the increments
/// add up exactly to the cost of all idle time.
public struct WorkerBill: Hashable, Sendable {
  /// When billing began: registration, or the boot time the worker declared.
  public var from: Timestamp
  /// Idle time is accrued up to here.
  public var until: Timestamp
  /// Idle slot-time so far (a worker with two slots and one lease idles one slot).
  public var idleSlotTime: Duration
  /// Charged for idle time so far.
  public var idleCharged: MicroDollars

  public init(
    from: Timestamp, until: Timestamp? = nil, idleSlotTime: Duration = .zero, idleCharged: MicroDollars = .zero
  ) {
    self.from = from
    self.until = until ?? from
    self.idleSlotTime = idleSlotTime
    self.idleCharged = idleCharged
  }

  /// The paid part of one lease: from its grant to its close (or now, while it runs), never past
  /// its paid time — a lease's own meter charges exactly that span.
  public struct Busy: Hashable, Sendable {
    public var start: Timestamp
    public var end: Timestamp

    /// `closedAt` nil: still open at `now` — until its expiry, if that has passed: a lease dead
    /// but not yet reaped closes at its expiry, so time after it is idle, not the lease's.
    public init(
      grantedAt: Timestamp, closedAt: Timestamp?, paidUntil: Timestamp?, now: Timestamp, expiresAt: Timestamp? = nil
    ) {
      start = grantedAt
      let closed = closedAt ?? min(now, expiresAt ?? now)
      end = paidUntil.map { min($0, closed) } ?? closed
    }
  }

  /// Accrues the idle slot-time from ``until`` to `now` — `slots` × the span minus the leases'
  /// paid spans in it — and returns what it adds to the charge at `slotRate`. Time does not run
  /// backwards: an earlier `now` accrues nothing.
  public mutating func accrue(to now: Timestamp, slots: Int, busy: [Busy], slotRate: HourlyRate) -> MicroDollars {
    guard now > until else { return .zero }
    let span = now.since(until).wholeMilliseconds
    var leased: Int64 = 0
    for lease in busy {
      let start = max(lease.start, until)
      let end = min(lease.end, now)
      if end > start { leased += end.since(start).wholeMilliseconds }
    }
    let idle = max(0, Int64(max(1, slots)) * span - leased)
    until = now
    idleSlotTime += .milliseconds(idle)
    let total = slotRate.cost(of: idleSlotTime)
    guard total > idleCharged else { return .zero }
    let increment = MicroDollars(total.value - idleCharged.value)
    idleCharged = total
    return increment
  }

  /// The wall time billed so far.
  public var life: Duration { until.since(from) }
}

/// How much idle time the ledger holds for a paid worker: its promise to stop itself after
/// `maxIdle` without work (`--max-idle`, sent at registration), else the lease TTL — the time
/// after which the coordinator counts a silent worker as lost — plus ``exitMargin``.
public enum IdleWindow {
  /// The longest a worker takes to leave once its idle limit is reached, when nobody answers:
  /// its last lease request (a long-poll of at most 20 s, plus 10 s before it gives up), trying
  /// to deliver its results (10 s) and to deregister (10 s). Measured with the coordinator
  /// SIGSTOPped (`CoordinatorAbsenceTests`): 22 s after the limit, of these 50 s.
  public static let exitMargin = Duration.seconds(60)

  public static func duration(maxIdle: Duration?, ttl: Duration) -> Duration { (maxIdle ?? ttl) + exitMargin }

  /// The whole machine idle for the window, at its hourly rate.
  public static func cost(hourly: HourlyRate, maxIdle: Duration?, ttl: Duration) -> MicroDollars {
    hourly.cost(of: duration(maxIdle: maxIdle, ttl: ttl))
  }
}
