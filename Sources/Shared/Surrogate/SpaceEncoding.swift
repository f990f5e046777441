/// Maps configurations to points of the unit cube for the surrogate: each varying parameter to its
/// quantile under the sampling distribution (so log ranges are log-scaled and integer steps and
/// list entries get equal widths), and, when observations span several domains, one indicator
/// input per domain.
public struct SpaceEncoding: Sendable {
  public let space: [Parameter]
  /// Indices into `space` of the parameters the surrogate sees: not fixed, not set by a stage.
  public let active: [Int]
  public let domains: [String]

  public init(space: [Parameter], stages: [Stage], domains: [String]) {
    self.space = space
    let staged = Set(stages.flatMap { $0.overrides.keys })
    active = space.indices.filter { index in
      if case .fixed = space[index].kind { return false }
      return !staged.contains(space[index].name)
    }
    self.domains = domains.count > 1 ? domains : []
  }

  public var dimension: Int { active.count + domains.count }

  /// The point of a configuration (values in `space` order) in `domain`.
  public func encode(_ values: [ParameterValue], domain: String) -> [Double] {
    var point = active.map { Self.quantile(of: values[$0], in: space[$0].kind) }
    for name in domains { point.append(name == domain ? 1 : 0) }
    return point
  }

  /// The configuration at `point` (the active coordinates only), other parameters from `base`.
  public func decode(_ point: [Double], base: [ParameterValue]) -> [ParameterValue] {
    var values = base
    for (coordinate, index) in active.enumerated() {
      values[index] = Self.value(atQuantile: min(1 - 1e-9, max(1e-9, point[coordinate])), in: space[index].kind)
    }
    return values
  }

  /// Lists sort numerically when every entry is a number, so that ranks [4, 16, 8] are ordered.
  static func orderedChoices(_ values: [ParameterValue]) -> [ParameterValue] {
    guard values.allSatisfy({ $0.numeric != nil }) else { return values }
    return values.sorted { $0.numeric! < $1.numeric! }
  }

  static func value(atQuantile u: Double, in kind: ParameterKind) -> ParameterValue {
    if case .values(let values) = kind {
      let ordered = orderedChoices(values)
      return ordered[min(ordered.count - 1, Int(u * Double(ordered.count)))]
    }
    return kind.value(atQuantile: u)
  }

  /// The centre of the value's cell, so that decoding gives the value back.
  static func quantile(of value: ParameterValue, in kind: ParameterKind) -> Double {
    switch kind {
    case .fixed: return 0.5
    case .values(let values):
      let ordered = orderedChoices(values)
      guard let index = ordered.firstIndex(of: value) ?? ordered.firstIndex(where: { $0.canonical == value.canonical })
      else { return 0.5 }
      return (Double(index) + 0.5) / Double(ordered.count)
    case .uniform(let lower, let upper, _):
      guard let x = value.numeric else { return 0.5 }
      return clamp((x - lower) / (upper - lower))
    case .logUniform(let lower, let upper, _):
      guard let x = value.numeric, x > 0 else { return 0.5 }
      return clamp((Math.log(x) - Math.log(lower)) / (Math.log(upper) - Math.log(lower)))
    case .integer(let lower, let upper, let step, let log, _):
      guard let x = value.numeric else { return 0.5 }
      let count = ParameterKind.steppedCount(lower: lower, upper: upper, step: step) ?? 1
      let last = Double(lower) + Double(count - 1) * Double(step)
      if log {
        let end = last + Double(step)
        return clamp(
          (Math.log(x + Double(step) / 2) - Math.log(Double(lower))) / (Math.log(end) - Math.log(Double(lower))))
      }
      return clamp(((x - Double(lower)) / Double(step) + 0.5) / Double(count))
    }
  }

  private static func clamp(_ u: Double) -> Double { u.isFinite ? min(1, max(0, u)) : 0.5 }

  /// Every configuration of the active parameters when they are all discrete and there are at
  /// most `limit` of them; `nil` otherwise.
  public func enumerate(base: [ParameterValue], limit: Int) -> [[ParameterValue]]? {
    var axes: [[ParameterValue]] = []
    var total = 1
    for index in active {
      guard let values = space[index].kind.gridValuesForSearch else { return nil }
      total *= values.count
      guard total <= limit else { return nil }
      axes.append(values)
    }
    var rows: [[ParameterValue]] = [base]
    for (axis, index) in zip(axes, active) {
      rows = rows.flatMap { row in
        axis.map { value in
          var next = row
          next[index] = value
          return next
        }
      }
    }
    return rows
  }
}

extension ParameterKind {
  /// Every value a discrete parameter can take (every step of an int range); `nil` for a continuous range.
  var gridValuesForSearch: [ParameterValue]? {
    switch self {
    case .values(let values): return values
    case .fixed(let value): return [value]
    case .integer(let lower, let upper, let step, _, _):
      guard let count = Self.steppedCount(lower: lower, upper: upper, step: step), count <= 100_000 else { return nil }
      return (0..<count).map { .int(lower + Int64($0) * step) }
    case .uniform, .logUniform: return nil
    }
  }
}
