import PropertyBased
import Shared
import Testing

/// A paid worker's idle time: slot-time not under a lease's paid span, charged cumulatively.
@Suite struct WorkerBillTests {
  static let t0 = Timestamp(milliseconds: 1_000_000)
  /// $36/h: 10 µ$ per millisecond.
  static let rate = HourlyRate(microDollarsPerHour: 36_000_000)

  @Test func timeWithoutALeaseIsIdleAndTimeUnderOneIsNot() {
    var bill = WorkerBill(from: Self.t0)
    let lease = WorkerBill.Busy(
      grantedAt: Self.t0 + .seconds(2), closedAt: Self.t0 + .seconds(5), paidUntil: Self.t0 + .seconds(10),
      now: Self.t0 + .seconds(8))
    let charged = bill.accrue(to: Self.t0 + .seconds(8), slots: 1, busy: [lease], slotRate: Self.rate)
    // 8 s billed, 3 s under the lease: 5 s idle.
    #expect(bill.idleSlotTime == .seconds(5))
    #expect(charged == MicroDollars(50_000))
    #expect(bill.life == .seconds(8))
  }

  @Test func aLeaseRunningPastItsPaidTimeIsIdleFromThere() {
    // The lease's own meter stops at its paid time; the box bills on: idle.
    let lease = WorkerBill.Busy(
      grantedAt: Self.t0, closedAt: nil, paidUntil: Self.t0 + .seconds(3), now: Self.t0 + .seconds(5))
    var bill = WorkerBill(from: Self.t0)
    _ = bill.accrue(to: Self.t0 + .seconds(5), slots: 1, busy: [lease], slotRate: Self.rate)
    #expect(bill.idleSlotTime == .seconds(2))
  }

  @Test func aSecondSlotWithoutALeaseIdlesBesideTheFirst() {
    let lease = WorkerBill.Busy(grantedAt: Self.t0, closedAt: nil, paidUntil: nil, now: Self.t0 + .seconds(4))
    var bill = WorkerBill(from: Self.t0)
    let half = HourlyRate(microDollarsPerHour: Self.rate.microDollarsPerHour / 2)
    let charged = bill.accrue(to: Self.t0 + .seconds(4), slots: 2, busy: [lease], slotRate: half)
    #expect(bill.idleSlotTime == .seconds(4))
    #expect(charged == MicroDollars(20_000))
  }

  @Test func timeGoingBackwardsAccruesNothing() {
    var bill = WorkerBill(from: Self.t0, until: Self.t0 + .seconds(10))
    #expect(bill.accrue(to: Self.t0 + .seconds(5), slots: 1, busy: [], slotRate: Self.rate) == .zero)
    #expect(bill.until == Self.t0 + .seconds(10))
  }

  /// However the time is cut into accruals, the charges add up to the cost of all idle time
  /// (rounded up once), and idle plus leased time is the whole life of every slot.
  @Test func chargesAddUpExactlyHoweverTheTimeIsCut() async {
    await propertyCheck(
      count: 200, input: Gen.int64(in: 1...5_000_000), Gen.int(in: 1...4),
      zip(Gen.int64(in: 0...20_000), Gen.int64(in: 0...20_000)).array(of: 0...6),
      Gen.int64(in: 1...5_000).array(of: 1...12)
    ) { rate, slots, spans, steps in
      let slotRate = HourlyRate(microDollarsPerHour: rate)
      // One lease after another (a gap, then a lease): never more leases than slots at once.
      var cursor: Int64 = 0
      let leases = spans.map { gap, length in
        defer { cursor += gap + length }
        return WorkerBill.Busy(
          grantedAt: Self.t0 + .milliseconds(cursor + gap), closedAt: Self.t0 + .milliseconds(cursor + gap + length),
          paidUntil: nil, now: Self.t0 + .milliseconds(cursor + gap + length))
      }
      var bill = WorkerBill(from: Self.t0)
      var total = MicroDollars.zero
      var now = Self.t0
      for step in steps {
        now = now + .milliseconds(step)
        total = MicroDollars(total.value + bill.accrue(to: now, slots: slots, busy: leases, slotRate: slotRate).value)
      }
      #expect(total == bill.idleCharged)
      #expect(total == slotRate.cost(of: bill.idleSlotTime))
      // Idle time is what the leases (clipped to the billed span, at most one per slot) leave.
      let life = now.since(Self.t0).wholeMilliseconds
      let leased = leases.reduce(Int64(0)) { sum, lease in
        sum + max(0, min(lease.end, now).milliseconds - max(lease.start, Self.t0).milliseconds)
      }
      #expect(bill.idleSlotTime.wholeMilliseconds == max(0, Int64(slots) * life - leased))
    }
  }

  @Test func theIdleWindowIsTheWorkersPromiseElseALeaseTTLAndTheTimeToLeave() {
    #expect(IdleWindow.duration(maxIdle: .seconds(600), ttl: .seconds(30)) == .seconds(660))
    #expect(IdleWindow.duration(maxIdle: nil, ttl: .seconds(30)) == .seconds(90))
    // A RunPod 3090 at $0.44/h with the default 10 minutes: about 8 cents held.
    #expect(
      IdleWindow.cost(hourly: HourlyRate(microDollarsPerHour: 440_000), maxIdle: .seconds(600), ttl: .seconds(30))
        == MicroDollars(80_667))
  }
}

@Suite struct TimestampParsingTests {
  @Test(arguments: [
    ("2026-12-02T09:00:00Z", "2026-12-02T09:00:00.000Z"),
    ("2026-12-02T09:00:00.25Z", "2026-12-02T09:00:00.250Z"),
    ("2026-12-02T10:30:00+01:30", "2026-12-02T09:00:00.000Z"),
    ("2024-02-29T23:59:59.999-05:00", "2024-03-01T04:59:59.999Z"),
    ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
  ])
  func parsesISO8601WithAZone(text: String, utc: String) throws {
    #expect(try #require(Timestamp(iso8601: text)).iso8601 == utc)
  }

  @Test(arguments: [
    "2026-12-02T09:00:00", "2026-12-02 09:00", "2026-13-02T09:00:00Z", "2026-12-02T09:00:00Zjunk", "", "boot",
  ])
  func refusesAnythingElse(text: String) {
    #expect(Timestamp(iso8601: text) == nil)
  }

  @Test func roundTripsEveryPrintedTime() async {
    await propertyCheck(count: 300, input: Gen.int64(in: -2_000_000_000_000...4_000_000_000_000)) { ms in
      let time = Timestamp(milliseconds: ms)
      #expect(Timestamp(iso8601: time.iso8601) == time)
    }
  }
}

/// A paid lease under whole-life billing: beside the worker's idle window when both fit, else
/// the last lease that the window pays for too; never past the budget.
@Suite struct PaidLeaseGrantTests {
  static let policy = LeasePolicy()
  /// $36/h: 10 µ$ per millisecond; a full lease of one 10 s trial costs (15 s + 15 s) = 300,000 µ$.
  static let rate = HourlyRate(microDollarsPerHour: 36_000_000)

  @Test func aFullLeaseTakesTheIdleWindowBesideIt() throws {
    var ledger = Ledger(budget: MicroDollars(1_000_000))
    let grant = try #require(
      try ledger.grantPaidLease(
        policy: Self.policy, trials: 1, expectedTrial: .seconds(10), slotRate: Self.rate, window: MicroDollars(100_000),
        heldWindow: nil, windowWhole: false, arrears: MicroDollars(20_000)))
    #expect(!grant.last && !grant.terms.fitted)
    #expect(grant.idleWindow?.amount == MicroDollars(100_000))
    #expect(ledger.spent == MicroDollars(20_000) && ledger.reserved == MicroDollars(400_000))
  }

  @Test func whenBothDoNotFitTheWindowPaysForTheLastLease() throws {
    var ledger = Ledger(budget: MicroDollars(1_000_000))
    let window = try #require(try ledger.reserve(MicroDollars(100_000)))
    _ = try ledger.reserve(MicroDollars(700_000))
    // 200,000 µ$ available: not a full 300,000 µ$ lease; with the window, a fitted 300,000 µ$ one.
    let grant = try #require(
      try ledger.grantPaidLease(
        policy: Self.policy, trials: 1, expectedTrial: .seconds(10), slotRate: Self.rate, window: MicroDollars(100_000),
        heldWindow: window, windowWhole: true, arrears: .zero))
    #expect(grant.last && grant.idleWindow == nil)
    #expect(grant.lease.amount == MicroDollars(300_000))
    #expect(ledger.held(window) == nil && ledger.available == .zero)
  }

  @Test func nothingChangesWhenNotOneTrialFits() throws {
    var ledger = Ledger(budget: MicroDollars(50_000))
    let before = ledger
    #expect(
      try ledger.grantPaidLease(
        policy: Self.policy, trials: 1, expectedTrial: .seconds(10), slotRate: Self.rate, window: MicroDollars(100_000),
        heldWindow: nil, windowWhole: false, arrears: .zero) == nil)
    #expect(ledger == before)
  }

  @Test func theBudgetIsNeverExceededWhateverIsHeldOrOwed() async {
    await propertyCheck(
      count: 500, input: Gen.int64(in: 0...3_000_000), Gen.int64(in: 0...3_000_000),
      zip(Gen.int64(in: 0...400_000), Gen.int64(in: 0...200_000), Gen.int(in: 0...2)),
      zip(Gen.int(in: 1...4), Gen.int64(in: 1_000...60_000))
    ) { budget, otherHeld, window, shape in
      let (windowCost, arrears, heldShape) = window
      let (trials, expectedMs) = shape
      var ledger = Ledger(budget: MicroDollars(budget))
      _ = try? ledger.reserve(MicroDollars(min(otherHeld, budget)))
      // 0: no window held here; 1: held whole; 2: held, but short of the whole window.
      let held: Reservation? =
        heldShape == 0 ? nil : (try? ledger.reserve(MicroDollars(windowCost / (heldShape == 1 ? 1 : 2)))) ?? nil
      let before = ledger
      let grant = try? ledger.grantPaidLease(
        policy: Self.policy, trials: trials, expectedTrial: .milliseconds(expectedMs), slotRate: Self.rate,
        window: MicroDollars(windowCost), heldWindow: held, windowWhole: heldShape == 1, arrears: MicroDollars(arrears))
      #expect(ledger.spent.value + ledger.reserved.value <= budget)
      guard let grant = grant ?? nil else {
        #expect(ledger == before)
        return
      }
      #expect(grant.terms.allowance >= .milliseconds(expectedMs))
      #expect(grant.arrearsCharged == MicroDollars(arrears))
      #expect(ledger.spent.value == before.spent.value + arrears)
      if grant.last {
        #expect(grant.idleWindow == nil)
        if let held { #expect(ledger.held(held) == nil) }
      } else {
        #expect(!grant.terms.fitted)
        #expect((grant.idleWindow == nil) == (held != nil))
        #expect(grant.idleWindow.map { $0.amount == MicroDollars(windowCost) } ?? true)
      }
    }
  }

  @Test func anOpenLeasePastItsExpiryIsBusyOnlyUntilItsExpiry() {
    let at = { (seconds: Int64) in Timestamp(milliseconds: seconds * 1000) }
    // open, alive: busy up to now; dead but not yet reaped: up to its expiry; closed: up to its close
    #expect(
      WorkerBill.Busy(grantedAt: at(0), closedAt: nil, paidUntil: at(900), now: at(30), expiresAt: at(60)).end == at(30)
    )
    #expect(
      WorkerBill.Busy(grantedAt: at(0), closedAt: nil, paidUntil: at(900), now: at(75), expiresAt: at(60)).end == at(60)
    )
    #expect(
      WorkerBill.Busy(grantedAt: at(0), closedAt: at(40), paidUntil: at(900), now: at(75), expiresAt: at(60)).end
        == at(40))
    // and never past its paid time
    #expect(
      WorkerBill.Busy(grantedAt: at(0), closedAt: nil, paidUntil: at(50), now: at(75), expiresAt: at(60)).end == at(50))
  }
}
