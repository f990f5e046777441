extension ParameterKind {
  /// The value at quantile `u` ∈ (0, 1) of this parameter's sampling distribution: uniform for
  /// `uniform` and plain `int`, uniform in log space for `log_uniform` and `int` with `log`,
  /// uniform over the list for `values`. Random draws and Latin-hypercube strata both go through here.
  public func value(atQuantile u: Double) -> ParameterValue {
    switch self {
    case .fixed(let value):
      return value
    case .values(let values):
      return values[min(values.count - 1, Int(u * Double(values.count)))]
    case .uniform(let lower, let upper, _):
      return .double(min(upper, max(lower, lower + u * (upper - lower))))
    case .logUniform(let lower, let upper, _):
      let x = Math.exp(Math.log(lower) + u * (Math.log(upper) - Math.log(lower)))
      return .double(min(upper, max(lower, x)))
    case .integer(let lower, let upper, let step, let log, _):
      let count = Self.steppedCount(lower: lower, upper: upper, step: step) ?? 1
      let last = lower + Int64(count - 1) * step
      let index: Int
      if log {
        // Continuous log-uniform over [lower, last + step), then down to the step grid: each
        // value gets the probability mass of its own log-width.
        let end = Double(last) + Double(step)
        let x = Math.exp(Math.log(Double(lower)) + u * (Math.log(end) - Math.log(Double(lower))))
        index = Int(((x - Double(lower)) / Double(step)).rounded(.down))
      } else {
        index = Int((u * Double(count)).rounded(.down))
      }
      return .int(lower + Int64(min(count - 1, max(0, index))) * step)
    }
  }

  /// Whether the parameter is a list of choices (spread evenly by Latin hypercube).
  var isChoiceList: Bool {
    if case .values = self { return true }
    return false
  }
}
