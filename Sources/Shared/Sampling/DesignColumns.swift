/// A sampled design kept as numbers rather than values: per parameter, either the quantile of
/// each point in its distribution or, for a list of `values` under Latin hypercube, the list
/// entry. Kept this way so that a design can be continued (``extended(by:space:generator:)``)
/// knowing exactly which strata its points occupy — values alone would lose that for integers.
public struct DesignColumns: Hashable, Sendable {
  public enum Column: Hashable, Sendable {
    case choices([Int32])
    case quantiles([Double])

    var count: Int {
      switch self {
      case .choices(let entries): entries.count
      case .quantiles(let quantiles): quantiles.count
      }
    }
  }

  public var columns: [Column]
  /// Number of points.
  public var count: Int

  public init(columns: [Column], count: Int) {
    self.columns = columns
    self.count = count
  }

  /// A Latin hypercube of `count` points (the draws ``RowStream/latinHypercube(_:count:generator:)``
  /// has always made, in the same order).
  public static func latinHypercube(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar)
    -> DesignColumns
  {
    guard count > 0 else { return DesignColumns(columns: [], count: 0) }
    var columns: [Column] = []
    columns.reserveCapacity(space.count)
    for parameter in space {
      let strata = generator.permutation(of: count)
      if case .values(let values) = parameter.kind {
        columns.append(.choices(strata.map { Int32($0 * values.count / count) }))
      } else {
        columns.append(.quantiles(strata.map { (Double($0) + generator.nextOpenUnit()) / Double(count) }))
      }
    }
    return DesignColumns(columns: columns, count: count)
  }

  /// `count` independent draws, row by row (the draws of ``RowStream/random(_:count:generator:)``).
  public static func random(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar) -> DesignColumns {
    var columns = Array(repeating: [Double](), count: space.count)
    for _ in 0..<count {
      for index in space.indices { columns[index].append(generator.nextOpenUnit()) }
    }
    return DesignColumns(columns: columns.map(Column.quantiles), count: count)
  }

  /// The values of point `index`, in the order of `space`.
  public func row(_ index: Int, space: [Parameter]) -> [ParameterValue] {
    zip(space, columns).map { parameter, column -> ParameterValue in
      switch (column, parameter.kind) {
      case (.choices(let entries), .values(let values)): values[Int(entries[index])]
      case (.quantiles(let quantiles), let kind): kind.value(atQuantile: quantiles[index])
      case (.choices, let kind): kind.value(atQuantile: 0.5)
      }
    }
  }

  /// Point `index` in the unit cube, for distances: a list entry at the middle of its share.
  public func unitPoint(_ index: Int, space: [Parameter]) -> [Double] {
    zip(space, columns).map { parameter, column in
      switch (column, parameter.kind) {
      case (.choices(let entries), .values(let values)): (Double(entries[index]) + 0.5) / Double(values.count)
      case (.quantiles(let quantiles), _): quantiles[index]
      case (.choices, _): 0.5
      }
    }
  }
}

extension DesignColumns {
  /// This design followed by `added` new points that keep it space-filling.
  ///
  /// Each parameter's range is cut into `count + added` equal-probability strata; the new points
  /// take strata that none of the existing points occupies (there are always at least `added`
  /// of them), so each stratum of the combined design holds at most two points and the new ones
  /// never pile onto old ones. A list of `values` gets the entries that bring each value's share
  /// closest to even over the combined design. How the new points' coordinates are paired
  /// across parameters is drawn several times and the draw whose nearest distance to any other
  /// point is largest is kept (maximin), as far as a bounded amount of arithmetic allows.
  /// The existing points are untouched: the first `count` points are the design they were.
  public func extended(by added: Int, space: [Parameter], generator: inout Xoshiro256StarStar) -> DesignColumns {
    guard added > 0 else { return self }
    let total = count + added
    let work = added * total * max(1, space.count)
    let candidates = max(1, min(16, 4_000_000 / max(1, work)))
    var best: DesignColumns? = nil
    var bestDistance = -1.0
    for _ in 0..<candidates {
      let candidate = DesignColumns(
        columns: zip(space, columns).map { parameter, column in
          Self.extend(column, kind: parameter.kind, total: total, added: added, generator: &generator)
        }, count: total)
      guard candidates > 1 else { return candidate }
      let distance = candidate.nearestDistance(ofPointsFrom: count, space: space)
      if distance > bestDistance {
        best = candidate
        bestDistance = distance
      }
    }
    return best ?? self
  }

  private static func extend(
    _ column: Column, kind: ParameterKind, total: Int, added: Int, generator: inout Xoshiro256StarStar
  ) -> Column {
    switch column {
    case .quantiles(let quantiles):
      var occupied = [Bool](repeating: false, count: total)
      for q in quantiles { occupied[min(total - 1, max(0, Int(q * Double(total))))] = true }
      let empty = occupied.indices.filter { !occupied[$0] }
      let chosen = generator.permutation(of: empty.count).prefix(added).map { empty[$0] }
      return .quantiles(quantiles + chosen.map { (Double($0) + generator.nextOpenUnit()) / Double(total) })
    case .choices(let entries):
      guard case .values(let values) = kind, !values.isEmpty else {
        return .choices(entries + Array(repeating: 0, count: added))
      }
      // The share each value would have in a fresh Latin hypercube of `total` points, less what it has.
      var deficit = [Int](repeating: 0, count: values.count)
      for stratum in 0..<total { deficit[stratum * values.count / total] += 1 }
      for entry in entries { deficit[Int(entry)] -= 1 }
      var wanted: [Int32] = []
      for (value, missing) in deficit.enumerated() where missing > 0 {
        wanted += Array(repeating: Int32(value), count: missing)
      }
      let order = generator.permutation(of: wanted.count)
      return .choices(entries + order.prefix(added).map { wanted[$0] })
    }
  }

  /// The smallest distance, in the unit cube, between a point at or after `first` and any other point.
  func nearestDistance(ofPointsFrom first: Int, space: [Parameter]) -> Double {
    let points = (0..<count).map { unitPoint($0, space: space) }
    var nearest = Double.infinity
    for i in first..<count {
      for j in 0..<count where j != i && (j < first || j > i) {
        var sum = 0.0
        for (a, b) in zip(points[i], points[j]) { sum += (a - b) * (a - b) }
        nearest = min(nearest, sum)
      }
    }
    return nearest.squareRoot()
  }
}
