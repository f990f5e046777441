/// How one hyperparameter may vary.
public enum ParameterKind: Hashable, Sendable {
  /// A fixed list of choices, e.g. ranks `[4, 8, 16]` or optimizers `["adamw", "sgd"]`.
  case values([ParameterValue])
  /// Integers from `lower` to `upper` inclusive in steps of `step`; `log` samples evenly in log space.
  /// `gridPoints` picks that many evenly spaced values for the grid instead of every step.
  case integer(lower: Int64, upper: Int64, step: Int64, log: Bool, gridPoints: Int?)
  /// Real numbers drawn evenly from `[lower, upper]`.
  case uniform(lower: Double, upper: Double, gridPoints: Int?)
  /// Positive real numbers drawn evenly in log space from `[lower, upper]` (learning rates, weight decay).
  case logUniform(lower: Double, upper: Double, gridPoints: Int?)
  /// One value that every trial gets, e.g. `epochs: {value: 3}`.
  case fixed(ParameterValue)
}

/// A named hyperparameter of the search space.
public struct Parameter: Hashable, Sendable {
  public var name: String
  public var kind: ParameterKind

  public init(name: String, kind: ParameterKind) {
    self.name = name
    self.kind = kind
  }
}

extension ParameterKind {
  /// The values a grid enumerates, or `nil` for a continuous range without `grid_points`.
  public var gridValues: [ParameterValue]? {
    switch self {
    case .values(let values): return values
    case .fixed(let value): return [value]
    case .integer(let lower, let upper, let step, let log, let gridPoints):
      guard let gridPoints else {
        return Self.steppedCount(lower: lower, upper: upper, step: step).map { count in
          (0..<count).map { .int(lower + Int64($0) * step) }
        }
      }
      var seen = Set<Int64>()
      var result: [ParameterValue] = []
      for point in Self.spaced(count: gridPoints, lower: Double(lower), upper: Double(upper), log: log) {
        let index = ((point - Double(lower)) / Double(step)).rounded()
        let value = min(upper, lower + Int64(index) * step)
        if seen.insert(value).inserted { result.append(.int(value)) }
      }
      return result
    case .uniform(let lower, let upper, let gridPoints):
      return gridPoints.map {
        Self.spaced(count: $0, lower: lower, upper: upper, log: false).map(ParameterValue.double)
      }
    case .logUniform(let lower, let upper, let gridPoints):
      return gridPoints.map { Self.spaced(count: $0, lower: lower, upper: upper, log: true).map(ParameterValue.double) }
    }
  }

  /// How many values the grid has, computed without building them; `nil` if not discrete.
  public var gridCount: Int? {
    switch self {
    case .values(let values): values.count
    case .fixed: 1
    case .integer(let lower, let upper, let step, _, let gridPoints):
      gridPoints.map { _ in gridValues?.count ?? 0 } ?? Self.steppedCount(lower: lower, upper: upper, step: step)
    case .uniform(_, _, let gridPoints), .logUniform(_, _, let gridPoints): gridPoints
    }
  }

  /// Number of integers `lower, lower+step, … ≤ upper`, or `nil` if it does not fit in `Int`.
  static func steppedCount(lower: Int64, upper: Int64, step: Int64) -> Int? {
    guard step > 0, upper >= lower else { return nil }
    let span = UInt64(bitPattern: upper &- lower)
    let count = span / UInt64(step) + 1
    return count > UInt64(Int.max) ? nil : Int(count)
  }

  /// `count` evenly spaced points from `lower` to `upper` inclusive (geometric when `log`);
  /// one point is the midpoint (geometric mean when `log`).
  static func spaced(count: Int, lower: Double, upper: Double, log: Bool) -> [Double] {
    guard count > 1 else {
      return [log ? (lower * upper).squareRoot() : (lower + upper) / 2]
    }
    return (0..<count).map { i in
      if i == 0 { return lower }
      if i == count - 1 { return upper }
      let t = Double(i) / Double(count - 1)
      return log ? Math.exp(Math.log(lower) + t * (Math.log(upper) - Math.log(lower))) : lower + t * (upper - lower)
    }
  }
}
