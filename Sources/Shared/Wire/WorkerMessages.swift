/// Where a worker runs; `local` machines are usually free, the others rented.
public enum Provider: String, Hashable, Sendable, Codable, CaseIterable {
  case local, runpod, vast, lambda, colab, other
}

/// `POST /v1/workers`: a machine joins with the worker join token.
public struct RegisterWorkerRequest: Hashable, Sendable, Codable {
  public var name: String
  public var provider: Provider
  /// Price of one hour of this machine; `0` for a free laptop.
  public var hourlyCostUsd: DollarAmount
  public var gpu: String?
  /// Trials it runs in parallel (one lease per slot).
  public var slots: Int
  public var labels: [String: String]?
  /// The worker's promise to exit after this long without work, answered or not (`--max-idle`):
  /// the idle time the coordinator holds in the budget for a paid worker. Absent: no promise,
  /// and the coordinator holds one lease TTL.
  public var maxIdleS: Double?
  /// How long the machine had been billing before this registration (boot, install, start-up:
  /// on the provider's bill too), in its own clock's seconds so clock skew does not matter.
  /// 0 to 86,400; absent: billing starts at registration.
  public var billedBeforeS: Double?
  /// A flat subscription (Colab Pro: $10 a month) instead of an hourly rate: the fee is charged
  /// once per period, to the sweep of the first lease in it; the worker is free at the margin.
  public var subscription: Subscription?

  public init(
    name: String, provider: Provider, hourlyCostUsd: DollarAmount, gpu: String? = nil, slots: Int = 1,
    labels: [String: String]? = nil, maxIdleS: Double? = nil, billedBeforeS: Double? = nil,
    subscription: Subscription? = nil
  ) {
    self.subscription = subscription
    self.maxIdleS = maxIdleS
    self.billedBeforeS = billedBeforeS
    self.name = name
    self.provider = provider
    self.hourlyCostUsd = hourlyCostUsd
    self.gpu = gpu
    self.slots = slots
    self.labels = labels
  }
}

/// A worker paid by subscription: `fee_usd` once per `period` (`day`, `week`, `month` = 30 days).
public struct Subscription: Hashable, Sendable, Codable {
  public var feeUsd: DollarAmount
  public var period: String

  public init(feeUsd: DollarAmount, period: String) {
    self.feeUsd = feeUsd
    self.period = period
  }

  /// The period's length; nil for a name that is not one of ``SubscriptionOption/periods``.
  public var periodLength: Duration? { SubscriptionOption.periods.first { $0.name == period }?.length }
}

/// The answer to a registration: the worker's own credential and the timing it must keep.
public struct RegisterWorkerResponse: Hashable, Sendable, Codable {
  public var workerId: String
  /// Bearer credential for every later call of this worker; shown once.
  public var credential: String
  public var leaseTtlS: Double
  public var heartbeatIntervalS: Double
  public var apiVersion: String

  public init(workerId: String, credential: String, leaseTtlS: Double, heartbeatIntervalS: Double, apiVersion: String) {
    self.workerId = workerId
    self.credential = credential
    self.leaseTtlS = leaseTtlS
    self.heartbeatIntervalS = heartbeatIntervalS
    self.apiVersion = apiVersion
  }
}

/// A worker as the admin API lists it.
public struct WorkerSummary: Hashable, Sendable, Codable {
  public var id: String
  public var name: String
  public var provider: Provider
  public var hourlyCostUsd: DollarAmount
  public var gpu: String?
  public var slots: Int
  public var labels: [String: String]
  /// `active`, `lost` (missed heartbeats) or `deregistered`.
  public var state: WorkerState
  public var currentLeases: [String]
  public var trialsDone: Int
  public var spentUsd: DollarAmount
  public var lastSeen: String
  public var registeredAt: String
  /// Why the worker takes no new work now (a laptop on battery or hot), as it last said.
  public var paused: PauseReason?
  /// The whole bill of a paid worker (nil for a free one).
  public var billing: WorkerBilling?
  /// A subscription worker's terms and what it has been charged.
  public var subscription: SubscriptionStatus?

  public init(
    id: String, name: String, provider: Provider, hourlyCostUsd: DollarAmount, gpu: String?, slots: Int,
    labels: [String: String], state: WorkerState, currentLeases: [String], trialsDone: Int, spentUsd: DollarAmount,
    lastSeen: String, registeredAt: String, paused: PauseReason? = nil, billing: WorkerBilling? = nil,
    subscription: SubscriptionStatus? = nil
  ) {
    self.billing = billing
    self.subscription = subscription
    self.paused = paused
    self.id = id
    self.name = name
    self.provider = provider
    self.hourlyCostUsd = hourlyCostUsd
    self.gpu = gpu
    self.slots = slots
    self.labels = labels
    self.state = state
    self.currentLeases = currentLeases
    self.trialsDone = trialsDone
    self.spentUsd = spentUsd
    self.lastSeen = lastSeen
    self.registeredAt = registeredAt
  }
}

extension RegisterWorkerRequest {
  /// ``maxIdleS`` as a duration (whole milliseconds).
  public var maxIdle: Duration? { maxIdleS.map { .milliseconds(Int64(($0 * 1000).rounded())) } }

  /// When its bill began: registration at `now`, less ``billedBeforeS``.
  public func billingStart(now: Timestamp) -> Timestamp {
    now - .milliseconds(Int64(((billedBeforeS ?? 0) * 1000).rounded()))
  }
}

/// A paid worker's whole bill so far: working (leased) time, idle time, and the idle time held
/// in a sweep's budget for it.
public struct WorkerBilling: Hashable, Sendable, Codable {
  /// Billing began (registration, or the declared boot time).
  public var since: String
  /// Accrued up to here (its last call, or its promised exit for a worker that went silent).
  public var until: String
  /// `until - since`.
  public var billedS: Double
  /// Idle time: the machine's slots with no lease, as whole-machine seconds.
  public var idleS: Double
  /// `billed_s - idle_s`.
  public var workingS: Double
  /// Leases' charges (= `spent_usd`) plus idle charges.
  public var billedUsd: DollarAmount
  public var idleUsd: DollarAmount
  /// Idle time no budget has paid yet (before its first paid lease, after its last, or past its
  /// promise): on the provider's bill; the next sweep to give it a lease pays it if it can.
  public var unbudgetedIdleUsd: DollarAmount
  /// The sweep whose budget holds (and is charged) this worker's idle time.
  public var idleSweepId: String?
  /// What that sweep's ledger still holds for it.
  public var idleHeldUsd: DollarAmount
  /// The promise it gave (`--max-idle`), if any.
  public var maxIdleS: Double?

  public init(
    since: String, until: String, billedS: Double, idleS: Double, workingS: Double, billedUsd: DollarAmount,
    idleUsd: DollarAmount, unbudgetedIdleUsd: DollarAmount, idleSweepId: String?, idleHeldUsd: DollarAmount,
    maxIdleS: Double?
  ) {
    self.since = since
    self.until = until
    self.billedS = billedS
    self.idleS = idleS
    self.workingS = workingS
    self.billedUsd = billedUsd
    self.idleUsd = idleUsd
    self.unbudgetedIdleUsd = unbudgetedIdleUsd
    self.idleSweepId = idleSweepId
    self.idleHeldUsd = idleHeldUsd
    self.maxIdleS = maxIdleS
  }
}

extension WorkerBilling {
  /// From a worker's bill: idle slot-time shown as whole-machine time (÷ slots); `spent`: its
  /// leases' charges.
  public init(
    bill: WorkerBill, slots: Int, spent: MicroDollars, unbudgeted: MicroDollars, idleSweepID: String?,
    idleHeld: MicroDollars, maxIdle: Duration?
  ) {
    let billed = bill.life.secondsDouble
    let idle = min(billed, bill.idleSlotTime.secondsDouble / Double(max(1, slots)))
    self.init(
      since: bill.from.iso8601, until: bill.until.iso8601, billedS: billed, idleS: idle, workingS: billed - idle,
      billedUsd: DollarAmount(spent.adding(bill.idleCharged) ?? MicroDollars(.max)),
      idleUsd: DollarAmount(bill.idleCharged), unbudgetedIdleUsd: DollarAmount(unbudgeted), idleSweepId: idleSweepID,
      idleHeldUsd: DollarAmount(idleHeld), maxIdleS: maxIdle?.secondsDouble)
  }
}

/// A subscription worker as listed: its terms, the end of the period paid for, fees charged.
public struct SubscriptionStatus: Hashable, Sendable, Codable {
  public var feeUsd: DollarAmount
  public var period: String
  /// The current period is paid up to here (nil: no period paid yet).
  public var paidUntil: String?
  public var chargedUsd: DollarAmount

  public init(feeUsd: DollarAmount, period: String, paidUntil: String?, chargedUsd: DollarAmount) {
    self.feeUsd = feeUsd
    self.period = period
    self.paidUntil = paidUntil
    self.chargedUsd = chargedUsd
  }
}

extension SubscriptionStatus {
  /// From a store's columns; nil when the worker has no subscription.
  public init?(fee: Int64?, periodMs: Int64?, paidUntil: Int64?, charged: Int64) {
    guard let fee, let periodMs,
      let name = SubscriptionOption.periods.first(where: { $0.length.wholeMilliseconds == periodMs })?.name
    else { return nil }
    self.init(
      feeUsd: DollarAmount(MicroDollars(fee)), period: name,
      paidUntil: paidUntil.map { Timestamp(milliseconds: $0).iso8601 }, chargedUsd: DollarAmount(MicroDollars(charged)))
  }
}

/// `GET /v1/workers`.
public struct WorkerList: Hashable, Sendable, Codable {
  public var workers: [WorkerSummary]
  public init(workers: [WorkerSummary]) { self.workers = workers }
}
