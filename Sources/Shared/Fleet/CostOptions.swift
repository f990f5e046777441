/// A fine-tuning API priced per job (the study's $4,800–9,000 option): each trial is a job with a
/// price, a duration, and a number of jobs the provider runs at once. No machine to rent.
public struct APIOption: Hashable, Sendable {
  public typealias Pricing = TrialPrice

  public var name: String
  public var pricing: Pricing
  /// Jobs the provider runs at once.
  public var parallel: Int
  /// Wall time of one job, queueing included.
  public var timePerJob: Duration

  public init(name: String, pricing: Pricing, parallel: Int, timePerJob: Duration) {
    self.name = name
    self.pricing = pricing
    self.parallel = parallel
    self.timePerJob = timePerJob
  }

  /// The price of one job, rounded up to the micro-dollar (`nil` if it does not fit in 64 bits).
  public var costPerTrial: MicroDollars? { pricing.perTrialAmount }
}

/// A flat subscription (Colab Pro, $10/month): the fee once per period per machine, then free at
/// the margin; `count` machines, each running trials one at a time at `speed`.
public struct SubscriptionOption: Hashable, Sendable {
  public var name: String
  public var fee: MicroDollars
  /// `month` is 30 days, `week` 7, `day` 1.
  public var period: Duration
  public var periodName: String
  public var count: Int
  public var speed: Double
  /// The mean duration of one trial when measured; else the spec's estimate ÷ speed.
  public var trialDuration: Duration?

  public init(
    name: String, fee: MicroDollars, period: Duration, periodName: String, count: Int = 1, speed: Double = 1,
    trialDuration: Duration? = nil
  ) {
    self.name = name
    self.fee = fee
    self.period = period
    self.periodName = periodName
    self.count = count
    self.speed = speed
    self.trialDuration = trialDuration
  }

  /// The periods a subscription may be paid by, and their length.
  public static let periods: [(name: String, length: Duration)] = [
    ("day", .seconds(86_400)), ("week", .seconds(7 * 86_400)), ("month", .seconds(30 * 86_400)),
  ]
}

/// What an option costs and how long it takes, for `sweep plan`: all of the sweep when the budget
/// allows, else as many trials as it pays for.
public struct OptionEstimate: Hashable, Sendable {
  public var makespan: Duration
  public var cost: MicroDollars
  /// Trials done within the budget.
  public var done: Int
  public var trials: Int
}

extension APIOption {
  /// `trials` jobs, `parallel` at a time, stopping where the budget (if any) runs out.
  public func estimate(trials: Int, budget: MicroDollars?) -> OptionEstimate? {
    guard let price = costPerTrial else { return nil }
    var done = trials
    if let budget, price > .zero { done = min(trials, Int(budget.value / price.value)) }
    let waves = (done + parallel - 1) / max(1, parallel)
    let (cost, overflow) = price.value.multipliedReportingOverflow(by: Int64(done))
    guard !overflow else { return nil }
    return OptionEstimate(makespan: timePerJob * waves, cost: MicroDollars(cost), done: done, trials: trials)
  }
}

extension SubscriptionOption {
  /// `trials` trials spread over `count` machines; the fee of every machine for every period the
  /// run touches, stopping where the budget (if any) cannot pay the next period's fees.
  public func estimate(trials: Int, estimate: Duration, budget: MicroDollars?) -> OptionEstimate {
    let perTrialMs = max(
      1, trialDuration?.wholeMilliseconds ?? Int64((Double(estimate.wholeMilliseconds) / speed).rounded()))
    let machines = Int64(max(1, count))
    let periodMs = max(1, period.wholeMilliseconds)
    // Whole-money arithmetic, saturating: fees are small, but a file may say anything.
    let feePerPeriod = fee.value.multipliedReportingOverflow(by: machines)
    let perPeriod = feePerPeriod.overflow ? Int64.max : feePerPeriod.partialValue
    func periods(for count: Int64) -> Int64 {
      let waves = (count + machines - 1) / machines
      let ms = waves.multipliedReportingOverflow(by: perTrialMs)
      return ms.overflow ? Int64.max / 2 : (ms.partialValue + periodMs - 1) / periodMs
    }
    var done = Int64(trials)
    if let budget, perPeriod > 0, periods(for: done) > budget.value / perPeriod {
      // as many trials as the affordable periods hold
      let affordable = budget.value / perPeriod
      let perMachine = (affordable.multipliedReportingOverflow(by: periodMs).partialValue) / perTrialMs
      done = min(done, perMachine.multipliedReportingOverflow(by: machines).partialValue)
    }
    let paid = done > 0 ? periods(for: done) : 0
    let cost = perPeriod.multipliedReportingOverflow(by: paid)
    let waves = (done + machines - 1) / machines
    return OptionEstimate(
      makespan: .milliseconds(waves * perTrialMs), cost: MicroDollars(cost.overflow ? .max : cost.partialValue),
      done: Int(done), trials: trials)
  }
}
