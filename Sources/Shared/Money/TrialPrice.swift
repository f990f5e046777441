/// What one trial costs when it is priced per job rather than by machine time: a fine-tuning
/// API's price per job, or its price per 1,000 tokens for a known number of tokens per job.
/// A sweep's `estimate` declares it (``SweepSpec/trialPrice``); each leased trial reserves it.
public enum TrialPrice: Hashable, Sendable {
  /// A fixed price per trial.
  case perTrial(MicroDollars)
  /// Per 1,000 tokens trained, for `tokensPerTrial` tokens per trial.
  case perTokens(usdPer1k: MicroDollars, tokensPerTrial: Int64)

  /// The price of one trial, rounded up to the micro-dollar (`nil` if it does not fit in 64 bits).
  public var perTrialAmount: MicroDollars? {
    switch self {
    case .perTrial(let price): return price
    case .perTokens(let per1k, let tokens):
      let (product, overflow) = per1k.value.multipliedReportingOverflow(by: tokens)
      guard !overflow else { return nil }
      return MicroDollars(product / 1000 + (product % 1000 > 0 ? 1 : 0))
    }
  }
}

/// The metric a trial reports its own running cost in (`cost_usd`, cumulative dollars).
public enum ReportedCost {
  public static let metric = "cost_usd"

  /// A reported cost in micro-dollars, rounded up (a charge never understates what was paid);
  /// nil for a value that is negative, not finite or beyond 64 bits.
  public static func amount(_ dollars: Double) -> MicroDollars? {
    guard dollars.isFinite, dollars >= 0 else { return nil }
    let exact = dollars * 1_000_000
    guard exact < 9e15 else { return nil }
    // Within a thousandth of a micro-dollar is float noise (0.1 + 0.2 = 0.30000000000000004),
    // not a micro-dollar more.
    let nearest = exact.rounded()
    return MicroDollars(Int64(abs(exact - nearest) < 1e-3 ? nearest : exact.rounded(.up)))
  }

  /// The trial's charge: what it reported, or its declared price when it reported nothing
  /// usable (an upper bound: the coordinator's figure never understates the bill).
  public static func charge(metrics: [String: Double], price: MicroDollars) -> MicroDollars {
    metrics[metric].flatMap(amount) ?? price
  }
}
