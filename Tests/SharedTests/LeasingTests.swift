import Foundation
import PropertyBased
import Shared
import Testing

@Suite struct LeasingTests {
  let t0 = Timestamp(milliseconds: 1_000_000)

  @Test func aLeaseExpiresAfterItsTTLWithoutHeartbeat() {
    let policy = LeasePolicy(ttl: .seconds(60))
    var lease = LeaseLifecycle(state: .active(expiresAt: policy.expiry(now: t0, paidUntil: nil)), fencingToken: 3)
    #expect(lease.check(token: 3, now: t0 + .seconds(59)) == nil)
    #expect(lease.expireIfDue(now: t0 + .seconds(59)) == false)
    #expect(lease.renew(token: 3, now: t0 + .seconds(59), expiresAt: t0 + .seconds(119)) == nil)
    #expect(lease.expireIfDue(now: t0 + .seconds(100)) == false)
    #expect(lease.expireIfDue(now: t0 + .seconds(119)) == true)
    #expect(lease.check(token: 3, now: t0 + .seconds(120)) == .closed)
  }

  @Test func anOldFencingTokenIsRecognisedAsLate() {
    let lease = LeaseLifecycle(state: .active(expiresAt: t0 + .seconds(60)), fencingToken: 2)
    #expect(lease.check(token: 1, now: t0) == .fenced)
    #expect(lease.check(token: 2, now: t0 + .seconds(60)) == .expired)
  }

  @Test func aPaidLeaseNeverOutlivesItsReservedTime() {
    let policy = LeasePolicy(ttl: .seconds(60))
    #expect(policy.expiry(now: t0, paidUntil: t0 + .seconds(30)) == t0 + .seconds(30))
    #expect(policy.expiry(now: t0, paidUntil: t0 + .seconds(300)) == t0 + .seconds(60))
  }

  @Test func allowanceLeavesRoomForTheStopAndTheReport() {
    let policy = LeasePolicy(ttl: .seconds(60), safetyFactor: 1.5, stopGrace: .seconds(10), reportMargin: .seconds(5))
    let allowance = policy.initialAllowance(trials: 2, expectedTrial: .seconds(100))
    #expect(allowance == .seconds(300))
    let reserved = policy.reservedTime(forAllowance: allowance)
    #expect(reserved == .seconds(315))
    #expect(policy.allowance(paidUntil: t0 + reserved, now: t0) == allowance)
    #expect(policy.allowance(paidUntil: t0 + reserved, now: t0 + .seconds(400)) == .zero)
    #expect(policy.shouldExtend(remainingAllowance: .seconds(60), expectedTrial: .seconds(100)))
    #expect(!policy.shouldExtend(remainingAllowance: .seconds(200), expectedTrial: .seconds(100)))
  }

  @Test func expectedDurationIsLearnedFromMeasurements() {
    #expect(LeasePolicy.expectedTrialDuration(estimate: .seconds(1500), measured: []) == .seconds(1500))
    #expect(
      LeasePolicy.expectedTrialDuration(estimate: .seconds(1500), measured: [.seconds(10), .seconds(20)])
        == .seconds(15))
  }

  @Test func meterChargesAddUpToTheWholeLease() async {
    await propertyCheck(input: Gen.int64(in: 1...2_000_000), Gen.int64(in: 1...10_000).array(of: 1...20)) {
      rate, steps in
      var meter = LeaseMeter(grantedAt: t0, paidUntil: nil, rate: HourlyRate(microDollarsPerHour: rate))
      var time = t0
      var total: Int64 = 0
      for step in steps {
        time = time + .milliseconds(step)
        total += meter.charge(upTo: time).value
      }
      #expect(total == HourlyRate(microDollarsPerHour: rate).cost(of: time.since(t0)).value)
      #expect(meter.charged.value == total)
    }
  }

  @Test func meterStopsAtThePaidEnd() {
    var meter = LeaseMeter(
      grantedAt: t0, paidUntil: t0 + .seconds(3600), rate: HourlyRate(microDollarsPerHour: 360_000))
    #expect(meter.charge(upTo: t0 + .seconds(1800)) == MicroDollars(180_000))
    #expect(meter.charge(upTo: t0 + .seconds(7200)) == MicroDollars(180_000))
    #expect(meter.charge(upTo: t0 + .seconds(9000)) == .zero)
  }

  @Test func aSlotCostsItsShareOfTheMachine() {
    #expect(
      LeaseMeter.slotRate(hourly: HourlyRate(microDollarsPerHour: 400_000), slots: 4)
        == HourlyRate(microDollarsPerHour: 100_000))
    #expect(
      LeaseMeter.slotRate(hourly: HourlyRate(microDollarsPerHour: 100_001), slots: 2)
        == HourlyRate(microDollarsPerHour: 50_001))
  }

  @Test func failedAttemptsRequeueUntilMaxAttemptsThenFail() {
    var trial = TrialLifecycle(state: .pending, attempts: 0, failures: 0, maxAttempts: 2)
    #expect(trial.lease() == .startAttempt(1))
    #expect(trial.attemptEnded(attempt: 1, countsAsFailure: true) == .requeue)
    #expect(trial.state == .pending)
    #expect(trial.lease() == .startAttempt(2))
    #expect(trial.attemptEnded(attempt: 2, countsAsFailure: true) == .fail)
    #expect(trial.state == .failed)
  }

  @Test func interruptionsDoNotCountButAreCapped() {
    var trial = TrialLifecycle(state: .pending, attempts: 0, failures: 0, maxAttempts: 1)
    for attempt in 1..<10 {
      #expect(trial.lease() == .startAttempt(attempt))
      #expect(trial.attemptEnded(attempt: attempt, countsAsFailure: false) == .requeue)
    }
    #expect(trial.lease() == .startAttempt(10))
    #expect(trial.attemptEnded(attempt: 10, countsAsFailure: false) == .fail)
  }

  @Test func aTrialCompletesOnceEvenFromALateAttempt() {
    var trial = TrialLifecycle(state: .pending, attempts: 0, failures: 0, maxAttempts: 3)
    _ = trial.lease()
    #expect(trial.attemptEnded(attempt: 1, countsAsFailure: true) == .requeue)  // attempt 1 expired
    _ = trial.lease()  // attempt 2 runs elsewhere
    #expect(trial.succeeded(attempt: 1) == .complete(attempt: 1))  // the late attempt 1 reports success
    #expect(trial.succeeded(attempt: 2) == .ignore)
    #expect(trial.attemptEnded(attempt: 2, countsAsFailure: true) == .ignore)
    #expect(trial.state == .succeeded && trial.completedAttempt == 1)
  }

  @Test func anOlderAttemptEndingChangesNothing() {
    var trial = TrialLifecycle(state: .pending, attempts: 0, failures: 0, maxAttempts: 3)
    _ = trial.lease()
    _ = trial.attemptEnded(attempt: 1, countsAsFailure: true)
    _ = trial.lease()
    #expect(trial.attemptEnded(attempt: 1, countsAsFailure: true) == .ignore)
    #expect(trial.state == .leased && trial.failures == 1)
  }

  @Test func placementPrefersFreeThenCheapestPerTrial() {
    let free = PlacementCandidate(workerID: "laptop", slotRate: .free, expectedTrial: .seconds(600), arrival: 3)
    let fastPaid = PlacementCandidate(
      workerID: "a100", slotRate: HourlyRate(microDollarsPerHour: 750_000), expectedTrial: .seconds(60), arrival: 1)
    let slowPaid = PlacementCandidate(
      workerID: "3090", slotRate: HourlyRate(microDollarsPerHour: 300_000), expectedTrial: .seconds(300), arrival: 2)
    #expect(PlacementCandidate.ordered([slowPaid, fastPaid, free]).map(\.workerID) == ["laptop", "a100", "3090"])
  }

  @Test func timestampsPrintAsISO8601() {
    #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
    #expect(Timestamp(milliseconds: 1_764_576_019_250).iso8601 == "2025-12-01T08:00:19.250Z")
    #expect(Timestamp(milliseconds: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z")
  }
}

@Suite struct TimestampTextTests {
  @Test func timestampsAreWrittenAsFoundationWritesThem() async {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.calendar = Calendar(identifier: .gregorian)
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
    await propertyCheck(count: 500, input: Gen.int64(in: 0...253_402_300_799_999)) { milliseconds in
      let expected = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
      #expect(Timestamp(milliseconds: milliseconds).iso8601 == expected, "\(milliseconds)")
    }
  }
}

/// The heartbeat's allowance rule, computed in whole milliseconds, gives exactly what the
/// `Duration` rules (``LeasePolicy/allowance(paidUntil:now:)``, ``LeasePolicy/shouldExtend(remainingAllowance:expectedTrial:)``,
/// ``LeasePolicy/chunk(expectedTrial:)``) give, TTLs that do not divide by three included.
@Suite struct LeaseRenewalTests {
  @Test func theMillisecondRenewalAgreesWithTheDurationRules() {
    var random = Xoshiro256StarStar(seed: 42)
    func draw(_ range: ClosedRange<Int64>) -> Int64 { range.lowerBound + Int64(random.next() % UInt64(range.count)) }
    var extended = 0
    for _ in 0..<20_000 {
      let policy = LeasePolicy(
        ttl: .milliseconds(draw(1_000...200_000)), safetyFactor: [1.0, 1.5, 2.25][Int(random.next() % 3)],
        stopGrace: .milliseconds(draw(0...20_000)), reportMargin: .milliseconds(draw(0...10_000)),
        minimumChunk: .milliseconds(draw(0...30_000)))
      let now = Timestamp(milliseconds: draw(0...1_000_000_000))
      let paidUntil = Timestamp(milliseconds: now.milliseconds + draw(-60_000...600_000))
      let expected = Duration.milliseconds(draw(1...1_200_000))
      let renewal = policy.renewal(paidUntil: paidUntil, now: now, expectedTrial: expected)
      let remaining = policy.allowance(paidUntil: paidUntil, now: now)
      #expect(renewal.remaining == remaining)
      let extend = policy.shouldExtend(remainingAllowance: remaining, expectedTrial: expected)
      #expect(renewal.chunk == (extend ? policy.chunk(expectedTrial: expected) : nil))
      if extend { extended += 1 }
    }
    // Both answers occur often enough for the comparison to mean something.
    #expect(extended > 2_000 && extended < 18_000, "\(extended)")
  }
}

/// The last leases of a budget: shrunk to what is left, never costing more than that, always
/// with room for one expected trial.
@Suite struct FittedGrantTests {
  let policy = LeasePolicy(ttl: .seconds(60), safetyFactor: 1.5, stopGrace: .seconds(10), reportMargin: .seconds(5))
  let rate = HourlyRate(perHour: MicroDollars(36_000_000))  // 10 µ$ per millisecond

  @Test func aGrantThatFitsIsTheFullGrant() throws {
    let terms = try #require(
      policy.fittedGrant(trials: 1, expectedTrial: .seconds(20), slotRate: rate, available: MicroDollars(1_000_000)))
    #expect(!terms.fitted)
    #expect(terms.allowance == .seconds(30) && terms.tail == .seconds(15) && terms.stopGrace == .seconds(10))
    #expect(terms.cost == MicroDollars(450_000))
  }

  @Test func whatIsLeftIsSplitNineTenthsAllowanceAndATenthTail() throws {
    // 5 s left: a 25 s lease does not fit; 4.5 s allowance and 0.5 s tail (grace 2/3 of it) do.
    let terms = try #require(
      policy.fittedGrant(trials: 1, expectedTrial: .seconds(1), slotRate: rate, available: MicroDollars(50_000)))
    #expect(terms.fitted)
    #expect(terms.allowance == .milliseconds(4_500) && terms.tail == .milliseconds(500))
    #expect(terms.stopGrace == .milliseconds(333))
    #expect(terms.cost == MicroDollars(50_000))
    #expect(
      policy.allowance(paidUntil: Timestamp(milliseconds: 5_000), now: .init(milliseconds: 0), tail: terms.tail)
        == terms.allowance)
  }

  @Test func nothingIsGrantedWhenNotEvenOneExpectedTrialFits() {
    #expect(
      policy.fittedGrant(trials: 1, expectedTrial: .seconds(5), slotRate: rate, available: MicroDollars(50_000)) == nil)
    #expect(policy.fittedGrant(trials: 1, expectedTrial: .seconds(1), slotRate: rate, available: .zero) == nil)
  }

  @Test func aFittedGrantNeverCostsMoreThanIsLeftAndAlwaysHoldsOneExpectedTrial() async {
    await propertyCheck(
      count: 2_000, input: Gen.int64(in: 0...30_000).array(of: 2...2), Gen.int64(in: 1...5_000_000),
      Gen.int64(in: 0...20_000), Gen.int64(in: 1...600_000)
    ) { tail, rate, available, expected in
      let policy = LeasePolicy(
        ttl: .seconds(60), stopGrace: .milliseconds(tail[0] % 20_001), reportMargin: .milliseconds(tail[1] % 10_001))
      let rate = HourlyRate(microDollarsPerHour: rate)
      let available = MicroDollars(available)
      let expected = Duration.milliseconds(expected)
      guard let terms = policy.fittedGrant(trials: 1, expectedTrial: expected, slotRate: rate, available: available)
      else { return }
      #expect(terms.cost <= available)
      #expect(terms.allowance >= expected)
      #expect(terms.allowance <= policy.initialAllowance(trials: 1, expectedTrial: expected))
      #expect(terms.stopGrace <= terms.tail && terms.tail <= policy.tail)
      #expect(terms.cost == rate.cost(of: terms.reservedTime))
    }
  }
}
