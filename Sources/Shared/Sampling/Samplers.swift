/// The three ways of drawing configurations. Each returns rows of values, one per trial, in the
/// order of `space`; the ``DomainSampler`` turns rows into trials.
public enum Samplers {
  /// Every combination, the last parameter varying fastest. The caller has checked the size.
  public static func grid(_ space: [Parameter]) -> [[ParameterValue]] {
    let axes = space.map { $0.kind.gridValues ?? [] }
    guard !axes.contains(where: \.isEmpty) else { return [] }
    let total = axes.reduce(1) { $0 * $1.count }
    var rows: [[ParameterValue]] = []
    rows.reserveCapacity(total)
    var counters = Array(repeating: 0, count: axes.count)
    for _ in 0..<total {
      rows.append(zip(axes, counters).map { $0[$1] })
      var position = axes.count - 1
      while position >= 0 {
        counters[position] += 1
        if counters[position] < axes[position].count { break }
        counters[position] = 0
        position -= 1
      }
    }
    return rows
  }

  /// `count` independent draws from each parameter's distribution.
  public static func random(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar) -> [[ParameterValue]]
  {
    (0..<count).map { _ in space.map { $0.kind.value(atQuantile: generator.nextOpenUnit()) } }
  }

  /// A Latin hypercube of `count` points: each parameter's range is cut into `count`
  /// equal-probability strata (in log space for log ranges), each stratum is used by exactly one
  /// trial, and the strata are shuffled independently per parameter. A list of `values` is
  /// spread as evenly as `count` allows (each value ⌊count/k⌋ or ⌈count/k⌉ times).
  public static func latinHypercube(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar)
    -> [[ParameterValue]]
  {
    guard count > 0 else { return [] }
    var columns: [[ParameterValue]] = []
    columns.reserveCapacity(space.count)
    for parameter in space {
      let strata = generator.permutation(of: count)
      if case .values(let values) = parameter.kind {
        columns.append(strata.map { values[$0 * values.count / count] })
      } else {
        columns.append(
          strata.map { stratum in
            parameter.kind.value(atQuantile: (Double(stratum) + generator.nextOpenUnit()) / Double(count))
          })
      }
    }
    return (0..<count).map { row in columns.map { $0[row] } }
  }
}
