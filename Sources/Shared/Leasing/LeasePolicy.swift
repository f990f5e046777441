/// The timing and money rules of leases: TTL, paid-time allowance, extensions and stop grace.
///
/// Pure: the coordinator and the simulator both call it with their own clock. Its rules are
/// computed in whole milliseconds, kept from the durations it was made with: every heartbeat
/// runs them, and `Duration` arithmetic (128-bit attoseconds) was a tenth of a simulated one.
public struct LeasePolicy: Hashable, Sendable {
  /// How long a lease lives without a heartbeat.
  public let ttl: Duration
  /// Allowance = expected duration × this factor (so an ordinary slow trial is not stopped).
  public let safetyFactor: Double
  /// Time between SIGTERM and SIGKILL when a trial must stop; reserved on top of the allowance.
  public let stopGrace: Duration
  /// Time for the final report to arrive after a stop; reserved on top of the allowance.
  public let reportMargin: Duration
  /// The shortest allowance chunk, so that very short estimates still outlive a heartbeat or two.
  public let minimumChunk: Duration

  /// The same, in milliseconds.
  private let ttlMs: Int64
  private let stopGraceMs: Int64
  private let reportMarginMs: Int64
  private let minimumChunkMs: Int64

  public init(
    ttl: Duration = .seconds(60), safetyFactor: Double = 1.5, stopGrace: Duration = .seconds(10),
    reportMargin: Duration = .seconds(5), minimumChunk: Duration = .seconds(10)
  ) {
    self.ttl = ttl
    self.safetyFactor = safetyFactor
    self.stopGrace = stopGrace
    self.reportMargin = reportMargin
    self.minimumChunk = minimumChunk
    ttlMs = ttl.wholeMilliseconds
    stopGraceMs = stopGrace.wholeMilliseconds
    reportMarginMs = reportMargin.wholeMilliseconds
    minimumChunkMs = minimumChunk.wholeMilliseconds
  }

  /// Heartbeats are sent every TTL/3, so two can be lost before the lease expires.
  public var heartbeatInterval: Duration { ttl / 3 }

  /// The allowance for one expected trial: expected × safety, at least ``minimumChunk``.
  public func chunk(expectedTrial: Duration) -> Duration { .milliseconds(chunkMs(expectedTrial.wholeMilliseconds)) }

  func chunkMs(_ expectedMs: Int64) -> Int64 {
    max(minimumChunkMs, Int64((Double(expectedMs) * safetyFactor).rounded(.up)))
  }

  /// The allowance of a new lease of `trials` trials.
  public func initialAllowance(trials: Int, expectedTrial: Duration) -> Duration {
    chunk(expectedTrial: expectedTrial) * max(1, trials)
  }

  /// The paid time reserved for an allowance: the allowance plus the stop grace and the time
  /// for the final report, so that a worker that stops when told still fits in the reservation.
  public func reservedTime(forAllowance allowance: Duration) -> Duration { allowance + stopGrace + reportMargin }

  /// What a paid lease of `trials` trials starts with: its allowance, the paid time reserved for
  /// it and what that time costs at the slot's rate (the amount the ledger must hold).
  public func paidGrant(trials: Int, expectedTrial: Duration, slotRate: HourlyRate)
    -> (allowance: Duration, reservedTime: Duration, cost: MicroDollars)
  {
    let allowance = initialAllowance(trials: trials, expectedTrial: expectedTrial)
    let reserved = reservedTime(forAllowance: allowance)
    return (allowance, reserved, slotRate.cost(of: reserved))
  }

  /// The paid time a lease keeps after its allowance: the stop grace and the report margin.
  public var tail: Duration { stopGrace + reportMargin }

  /// What a paid lease of `trials` trials gets when `available` is what the budget has left:
  /// the full terms (``paidGrant(trials:expectedTrial:slotRate:)``) when they fit; otherwise terms
  /// shrunk to exactly what is left — the stop grace and report margin cut in proportion to at
  /// most a tenth of it (or what the full allowance leaves), the rest allowance — as long as one expected trial fits in that
  /// allowance; `nil` when not even that fits. So the last leases of a budget use it up instead
  /// of leaving a full chunk's worth unspent.
  public func fittedGrant(trials: Int, expectedTrial: Duration, slotRate: HourlyRate, available: MicroDollars)
    -> PaidTerms?
  {
    let full = paidGrant(trials: trials, expectedTrial: expectedTrial, slotRate: slotRate)
    if full.cost <= available {
      return PaidTerms(
        allowance: full.allowance, stopGrace: stopGrace, tail: tail, cost: full.cost, fitted: false)
    }
    guard let affordable = slotRate.duration(affordableWith: available) else { return nil }
    // Whole milliseconds, rounded down: the cost of the time reserved never exceeds `available`.
    let affordableMs = affordable.wholeMilliseconds
    let fullTailMs = stopGraceMs + reportMarginMs
    // A tenth: an attempt that finishes in its allowance never uses the tail, so a short one
    // leaves at most about a ninth of an expected trial of the budget unused. Never more
    // allowance than the full terms would give: what is left over lengthens the tail instead.
    let allowanceMs = min(full.allowance.wholeMilliseconds, affordableMs - min(fullTailMs, affordableMs / 10))
    let tailMs = affordableMs - allowanceMs
    guard allowanceMs > 0, allowanceMs >= expectedTrial.wholeMilliseconds else { return nil }
    let graceMs = fullTailMs > 0 ? tailMs * stopGraceMs / fullTailMs : 0
    let reserved = Duration.milliseconds(affordableMs)
    return PaidTerms(
      allowance: .milliseconds(allowanceMs), stopGrace: .milliseconds(graceMs), tail: .milliseconds(tailMs),
      cost: slotRate.cost(of: reserved), fitted: true)
  }

  /// The allowance a lease reserved until `paidUntil` has left at `now`: what is ahead, less its
  /// tail (the policy's, ``tail``, unless the lease was fitted to the budget with a shorter one).
  public func allowance(paidUntil: Timestamp, now: Timestamp, tail: Duration? = nil) -> Duration {
    .milliseconds(allowanceMs(paidUntil: paidUntil, now: now, tailMs: tail?.wholeMilliseconds))
  }

  func allowanceMs(paidUntil: Timestamp, now: Timestamp, tailMs: Int64? = nil) -> Int64 {
    max(0, paidUntil.milliseconds &- now.milliseconds &- (tailMs ?? (stopGraceMs &+ reportMarginMs)))
  }

  /// Whether a paid lease should ask the ledger for more time now: when less than half a chunk
  /// of allowance is left, or less than two heartbeat intervals (so an extension is never late).
  public func shouldExtend(remainingAllowance: Duration, expectedTrial: Duration) -> Bool {
    remainingAllowance < max(chunk(expectedTrial: expectedTrial) / 2, heartbeatInterval * 2)
  }

  /// What a heartbeat of a paid lease does to its allowance, in one pass: the allowance left at
  /// `now`, and the chunk to ask the ledger for when ``shouldExtend(remainingAllowance:expectedTrial:)``
  /// says so (else `nil`).
  public func renewal(paidUntil: Timestamp, now: Timestamp, expectedTrial: Duration, tail: Duration? = nil)
    -> (remaining: Duration, chunk: Duration?)
  {
    let remaining = allowanceMs(paidUntil: paidUntil, now: now, tailMs: tail?.wholeMilliseconds)
    let chunk = chunkMs(expectedTrial.wholeMilliseconds)
    // As shouldExtend: remaining < max(chunk / 2, 2 × TTL / 3), compared exactly (× 6, no rounding).
    let extend = remaining * 6 < max(chunk * 3, ttlMs * 4)
    return (.milliseconds(remaining), extend ? .milliseconds(chunk) : nil)
  }

  /// When a lease renewed at `now` expires: one TTL ahead, but never past the paid time it has
  /// reserved — so a paid lease that stops reporting is never charged beyond its reservation.
  public func expiry(now: Timestamp, paidUntil: Timestamp?) -> Timestamp {
    let renewed = Timestamp(milliseconds: now.milliseconds &+ ttlMs)
    guard let paidUntil else { return renewed }
    return min(renewed, paidUntil)
  }

  /// The expected duration of one trial on one worker: the mean of the durations this sweep has
  /// measured on it (the last 20), or the spec's estimate before there are any.
  public static func expectedTrialDuration(estimate: Duration, measured: [Duration]) -> Duration {
    let recent = measured.suffix(20)
    guard !recent.isEmpty else { return estimate }
    let total = recent.reduce(Int64(0)) { $0 + $1.wholeMilliseconds }
    return .milliseconds(max(1, total / Int64(recent.count)))
  }
}

/// The paid terms of a lease: what it may use (allowance), what it keeps after that for the
/// stop and the final report (tail), and what the ledger holds for all of it.
public struct PaidTerms: Hashable, Sendable {
  public var allowance: Duration
  /// SIGTERM to SIGKILL when the allowance runs out (part of ``tail``).
  public var stopGrace: Duration
  /// Paid time reserved after the allowance: stop grace and report margin.
  public var tail: Duration
  /// What the reserved time (allowance + tail) costs at the slot's rate.
  public var cost: MicroDollars
  /// Whether the terms were shrunk to what was left of the budget.
  public var fitted: Bool

  public var reservedTime: Duration { allowance + tail }
}
