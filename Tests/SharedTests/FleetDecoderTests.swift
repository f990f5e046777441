import Shared
import SpecReading
import Testing

/// Fleet files: defaults, and every problem reported with its place.
struct FleetDecoderTests {
  @Test func aFleetFileGivesItsGroupsWithDefaults() throws {
    let fleet = try SpecDecoder.decodeFleet(
      """
      name: study
      groups:
        - {name: laptop, count: 2, hourly_cost_usd: 0}
        - {name: a100, count: 3, hourly_cost_usd: 0.75, speed: 6, preemption_per_hour: 0.02}
      """, file: "fleet.yaml")
    #expect(fleet.workerCount == 5)
    #expect(fleet.groups[1].hourlyRate == HourlyRate(microDollarsPerHour: 750_000))
    #expect(fleet.groups[1].meanTrialDuration(estimate: .seconds(60)) == .seconds(10))
    #expect(fleet.groups[0].speed == 1 && fleet.groups[0].failureRate == 0)
    #expect(fleet.replacementDelay == .seconds(300) && fleet.maxIdle == .seconds(600))
  }

  @Test func everyMistakeIsReportedWithLineAndKeyPath() {
    #expect {
      _ = try SpecDecoder.decodeFleet(
        """
        groups:
          - {name: gpu, count: 0, hourly_cost_usd: -1, speed: 0}
          - {name: gpu, cuont: 2, hourly_cost_usd: 0.3}
          - {count: 1, hourly_cost_usd: 0}
        """, file: "fleet.yaml")
    } throws: { error in
      let text = (error as? FleetValidationError)?.description ?? ""
      return text.contains("fleet.yaml:2:")
        && text.contains("groups[0].count")
        && text.contains("groups[0].hourly_cost_usd")
        && text.contains("groups[0].speed")
        && text.contains("did you mean 'count'?")
        && text.contains("groups[2].name: missing")
        && text.contains("used twice")
    }
  }

  @Test func aFileWithoutGroupsSaysWhatToWrite() {
    #expect(throws: FleetValidationError.self) { try SpecDecoder.decodeFleet("name: x\n", file: "f.yaml") }
  }
}

/// The study's other kinds of cost, for `sweep plan`: fine-tuning APIs and subscriptions.
struct FleetCostOptionTests {
  @Test func apiOptionsAndSubscriptionsAreReadWithTheirDefaults() throws {
    let fleet = try SpecDecoder.decodeFleet(
      """
      groups: [{name: laptop, hourly_cost_usd: 0}]
      api_options:
        - {name: per-token, usd_per_1k_tokens: 0.008, tokens_per_trial: 1000000, parallel: 20, time_per_job: 20m}
        - {name: per-job, usd_per_trial: 12.5, time_per_job: 1h}
      subscriptions:
        - {name: colab, usd: 10, speed: 2.5}
        - {name: daily, usd: 3, period: day, count: 2, trial_duration: 10m}
      """, file: "fleet.yaml")
    #expect(fleet.apiOptions.map(\.name) == ["per-token", "per-job"])
    #expect(fleet.apiOptions[0].costPerTrial == MicroDollars(8_000_000))
    #expect(fleet.apiOptions[1].costPerTrial == MicroDollars(12_500_000) && fleet.apiOptions[1].parallel == 1)
    #expect(fleet.subscriptions[0].periodName == "month" && fleet.subscriptions[0].period == .seconds(30 * 86_400))
    #expect(fleet.subscriptions[1].count == 2 && fleet.subscriptions[1].trialDuration == .seconds(600))
  }

  @Test func mistakesInCostOptionsAreReportedWithTheirPlace() {
    #expect {
      _ = try SpecDecoder.decodeFleet(
        """
        groups: [{name: laptop, hourly_cost_usd: 0}]
        api_options:
          - {name: both, usd_per_trial: 1, usd_per_1k_tokens: 0.01, time_per_job: 1h}
          - {name: tokens, usd_per_1k_tokens: 0.01, time_per_job: soon}
          - {name: laptop, usd_per_trial: 1, time_per_job: 1h}
          - {name: slow, usd_per_trial: 1}
        subscriptions:
          - {name: colab, period: year}
        """, file: "fleet.yaml")
    } throws: { error in
      let text = (error as? FleetValidationError)?.description ?? ""
      return text.contains("api_options[0]: give usd_per_trial or usd_per_1k_tokens, not both")
        && text.contains("api_options[1].tokens_per_trial: missing")
        && text.contains("api_options[1].time_per_job: expected a duration")
        && text.contains("fleet.yaml:6:5: api_options[3].time_per_job: missing")
        && text.contains("subscriptions[0].usd: missing")
        && text.contains("subscriptions[0].period: expected day, week or month, got 'year'")
        && text.contains("api_options[2].name: the name 'laptop' is used twice")
    }
  }

  @Test func anAPIRunsItsJobsInWavesAndStopsWhereTheBudgetDoes() throws {
    let api = APIOption(
      name: "api", pricing: .perTokens(usdPer1k: MicroDollars(8_000), tokensPerTrial: 1_000_001), parallel: 20,
      timePerJob: .seconds(1200))
    // 8,000 µ$ × 1,000.001 = 8,000,008 µ$ per job: tokens are charged exactly, rounded up.
    #expect(api.costPerTrial == MicroDollars(8_000_008))
    let whole = try #require(api.estimate(trials: 600, budget: nil))
    #expect(whole.cost == MicroDollars(4_800_004_800) && whole.makespan == .seconds(30 * 1200) && whole.done == 600)
    let capped = try #require(api.estimate(trials: 600, budget: MicroDollars(40_000_000)))
    #expect(capped.done == 4 && capped.cost == MicroDollars(32_000_032) && capped.makespan == .seconds(1200))
  }

  @Test func aSubscriptionChargesEveryPeriodItsRunTouches() {
    let monthly = SubscriptionOption(
      name: "colab", fee: MicroDollars(10_000_000), period: .seconds(30 * 86_400), periodName: "month", speed: 2.5)
    // 600 trials of 25 min at 2.5×: 10 min each, 100 h — one month's fee.
    let study = monthly.estimate(trials: 600, estimate: .seconds(1500), budget: nil)
    #expect(study.makespan == .seconds(360_000) && study.cost == MicroDollars(10_000_000) && study.done == 600)
    // 5,000 trials take 833 h: two months on one machine.
    let long = monthly.estimate(trials: 5_000, estimate: .seconds(1500), budget: nil)
    #expect(long.cost == MicroDollars(20_000_000))
    // With $15 only the first month is paid for: 30 days of 10-minute trials, 4,320 of them.
    let capped = monthly.estimate(trials: 5_000, estimate: .seconds(1500), budget: MicroDollars(15_000_000))
    #expect(capped.done == 4_320 && capped.cost == MicroDollars(10_000_000))
    // Two machines split the work and each pays its fee.
    var pair = monthly
    pair.count = 2
    #expect(pair.estimate(trials: 600, estimate: .seconds(1500), budget: nil).cost == MicroDollars(20_000_000))
  }
}
