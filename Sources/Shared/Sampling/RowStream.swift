/// A sampler's rows one at a time, in order, so that a million-trial sweep is stored without ever
/// holding its trials together: Latin hypercube keeps one number per trial and parameter (its
/// quantile, or its list entry), random and grid keep only their position.
public struct RowStream: IteratorProtocol, Sequence {
  enum Source {
    case grid(axes: [[ParameterValue]], counters: [Int], remaining: Int)
    case random(space: [Parameter], remaining: Int, generator: Xoshiro256StarStar)
    case design(space: [Parameter], design: DesignColumns, next: Int)
  }

  var source: Source

  /// Every combination, the last parameter varying fastest. The caller has checked the size.
  public static func grid(_ space: [Parameter]) -> RowStream {
    let axes = space.map { $0.kind.gridValues ?? [] }
    let total = axes.contains(where: \.isEmpty) ? 0 : axes.reduce(1) { $0 * $1.count }
    return RowStream(source: .grid(axes: axes, counters: Array(repeating: 0, count: axes.count), remaining: total))
  }

  /// `count` independent draws from each parameter's distribution.
  public static func random(_ space: [Parameter], count: Int, generator: Xoshiro256StarStar) -> RowStream {
    RowStream(source: .random(space: space, remaining: count, generator: generator))
  }

  /// A Latin hypercube of `count` points: each parameter's range is cut into `count`
  /// equal-probability strata (in log space for log ranges), each stratum is used by exactly one
  /// trial, and the strata are shuffled independently per parameter. A list of `values` is
  /// spread as evenly as `count` allows (each value ⌊count/k⌋ or ⌈count/k⌉ times). The draws are
  /// made here, in the same order as ever, so the stream gives the same rows as before.
  public static func latinHypercube(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar)
    -> RowStream
  {
    RowStream(design: DesignColumns.latinHypercube(space, count: count, generator: &generator), space: space)
  }

  public mutating func next() -> [ParameterValue]? {
    switch source {
    case .grid(let axes, var counters, let remaining):
      guard remaining > 0 else { return nil }
      let row = zip(axes, counters).map { $0[$1] }
      var position = axes.count - 1
      while position >= 0 {
        counters[position] += 1
        if counters[position] < axes[position].count { break }
        counters[position] = 0
        position -= 1
      }
      source = .grid(axes: axes, counters: counters, remaining: remaining - 1)
      return row
    case .random(let space, let remaining, var generator):
      guard remaining > 0 else { return nil }
      let row = space.map { $0.kind.value(atQuantile: generator.nextOpenUnit()) }
      source = .random(space: space, remaining: remaining - 1, generator: generator)
      return row
    case .design(let space, let design, let next):
      guard next < design.count else { return nil }
      let row = design.row(next, space: space)
      // The columns are large: rebuilding the enum would copy them, so only `next` moves.
      source = .design(space: space, design: design, next: next + 1)
      return row
    }
  }
}

extension RowStream {
  /// The points of a design kept as columns (a Latin hypercube, maybe extended), in order.
  public init(design: DesignColumns, space: [Parameter]) {
    self.init(source: .design(space: space, design: design, next: 0))
  }
}
