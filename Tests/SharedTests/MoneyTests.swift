import PropertyBased
import Shared
import Testing

@Suite struct MoneyTests {
  @Test(
    arguments: [
      ("0", 0), ("12", 12_000_000), ("0.30", 300_000), ("1.000001", 1_000_001), ("$2.5", 2_500_000),
      (".5", 500_000), ("7.", 7_000_000), (" 3.25 ", 3_250_000),
    ] as [(String, Int64)])
  func parsesDecimalDollarsExactly(text: String, micros: Int64) throws {
    #expect(try MicroDollars.parse(text) == MicroDollars(micros))
  }

  @Test func rejectsWhatIsNotAnExactAmount() {
    #expect(throws: MoneyParseError.tooManyDecimals("0.0000001")) { try MicroDollars.parse("0.0000001") }
    #expect(throws: MoneyParseError.negative("-1")) { try MicroDollars.parse("-1") }
    #expect(throws: MoneyParseError.notADecimal("1e3")) { try MicroDollars.parse("1e3") }
    #expect(throws: MoneyParseError.notADecimal("NaN")) { try MicroDollars.parse("NaN") }
    #expect(throws: MoneyParseError.notADecimal("1,000")) { try MicroDollars.parse("1,000") }
    #expect(throws: MoneyParseError.empty) { try MicroDollars.parse("  ") }
    #expect(throws: MoneyParseError.outOfRange("99999999999999999")) { try MicroDollars.parse("99999999999999999") }
  }

  @Test func printsDecimalsThatParseBack() async {
    await propertyCheck(input: Gen.int64(in: 0...9_000_000_000_000_000)) { micros in
      let amount = MicroDollars(micros)
      #expect((try? MicroDollars.parse(amount.decimalString)) == amount)
    }
    #expect(MicroDollars(300_000).decimalString == "0.30")
    #expect(MicroDollars(1_234_567).decimalString == "1.234567")
  }

  @Test func costRoundsUpToTheMicroDollar() {
    let rate = HourlyRate(microDollarsPerHour: 300_000)  // $0.30/h
    #expect(rate.cost(of: .seconds(1)) == MicroDollars(84))  // 83.33… rounds up
    #expect(rate.cost(of: .seconds(3600)) == MicroDollars(300_000))
    #expect(rate.cost(of: .seconds(12)) == MicroDollars(1000))  // exact, no rounding
    #expect(rate.cost(of: .nanoseconds(1)) == MicroDollars(1))
    #expect(rate.cost(of: .zero) == .zero)
    #expect(rate.cost(of: .seconds(-5)) == .zero)
    #expect(HourlyRate.free.cost(of: .seconds(1_000_000)) == .zero)
  }

  @Test func costIsExactForLongDurationsAndHighRates() {
    let rate = HourlyRate(microDollarsPerHour: 1_000_000_000)  // $1000/h
    #expect(rate.cost(of: .seconds(86_400 * 365)) == MicroDollars(8_760_000_000_000))
  }

  @Test func costOfASplitDurationIsWithinRounding() async {
    await propertyCheck(
      input: Gen.int64(in: 0...10_000_000), Gen.int64(in: 0...10_000_000), Gen.int64(in: 0...5_000_000)
    ) {
      a, b, rate in
      let hourly = HourlyRate(microDollarsPerHour: rate)
      let whole = hourly.cost(of: .milliseconds(a + b)).value
      let parts = hourly.cost(of: .milliseconds(a)).value + hourly.cost(of: .milliseconds(b)).value
      #expect(whole <= parts && parts <= whole + 1)
    }
  }

  @Test func affordableDurationNeverCostsMoreThanTheAmount() async {
    await propertyCheck(input: Gen.int64(in: 1...100_000_000), Gen.int64(in: 1...5_000_000)) { amount, rate in
      let hourly = HourlyRate(microDollarsPerHour: rate)
      let duration = hourly.duration(affordableWith: MicroDollars(amount))!
      #expect(hourly.cost(of: duration) <= MicroDollars(amount))
      #expect(hourly.cost(of: duration + .nanoseconds(2)) >= MicroDollars(amount))
    }
  }

  /// Utilization as shown everywhere: tenths of a percent, rounded down, exact for any amounts.
  @Test func aShareIsTenthsOfAPercentRoundedDown() async {
    #expect(MicroDollars(1_185).perMille(of: MicroDollars(1_200)) == 987)
    #expect(MicroDollars.percentText(perMille: 987) == "98.7%")
    #expect(MicroDollars(5).perMille(of: .zero) == nil)
    #expect(MicroDollars(-5).perMille(of: MicroDollars(10)) == 0)
    await propertyCheck(count: 300, input: Gen.int64(in: 0...Int64.max), Gen.int64(in: 1...Int64.max)) { part, whole in
      let share = MicroDollars(part).perMille(of: MicroDollars(whole))!
      // floor(1000 × part / whole), computed without overflow.
      let exact = (Double(part) / Double(whole)) * 1000
      #expect(Double(share) <= exact + 1e-6 * max(1, exact) && Double(share) >= exact - 1 - 1e-6 * max(1, exact))
    }
  }

  @Test func aReportedCostIsRoundedUpToTheMicroDollarButFloatNoiseIsNot() {
    #expect(ReportedCost.amount(0.1 + 0.2) == MicroDollars(300_000))
    #expect(ReportedCost.amount(0.0000011) == MicroDollars(2))
    #expect(ReportedCost.amount(2.5) == MicroDollars(2_500_000))
    #expect(ReportedCost.amount(-0.01) == nil && ReportedCost.amount(.nan) == nil && ReportedCost.amount(1e12) == nil)
    // Nothing usable reported: the declared price.
    #expect(ReportedCost.charge(metrics: ["accuracy": 0.9], price: MicroDollars(7)) == MicroDollars(7))
    #expect(ReportedCost.charge(metrics: ["cost_usd": -1], price: MicroDollars(7)) == MicroDollars(7))
    #expect(ReportedCost.charge(metrics: ["cost_usd": 0], price: MicroDollars(7)) == .zero)
  }
}
