/// Small, exact statistics helpers.
public enum Statistics {
  /// 1-based ranks, ties sharing the mean of their ranks.
  public static func ranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var result = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
      let rank = Double(start + end) / 2 + 1
      for position in start...end { result[order[position]] = rank }
      start = end + 1
    }
    return result
  }

  /// Pearson correlation; `nil` with fewer than two pairs or a constant side.
  public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
    guard a.count == b.count, a.count >= 2 else { return nil }
    let ma = mean(a)
    let mb = mean(b)
    var sab = 0.0
    var saa = 0.0
    var sbb = 0.0
    for (x, y) in zip(a, b) {
      sab += (x - ma) * (y - mb)
      saa += (x - ma) * (x - ma)
      sbb += (y - mb) * (y - mb)
    }
    guard saa > 0, sbb > 0 else { return nil }
    return sab / (saa * sbb).squareRoot()
  }

  /// Spearman's rank correlation: Pearson's on average ranks, so ties are handled.
  public static func spearman(_ a: [Double], _ b: [Double]) -> Double? { pearson(ranks(a), ranks(b)) }

  public static func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
  }

  /// Mean absolute difference.
  public static func meanAbsoluteError(_ a: [Double], _ b: [Double]) -> Double {
    mean(zip(a, b).map { abs($0 - $1) })
  }

  /// The `q` quantile (0…1) by linear interpolation between order statistics.
  public static func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(sorted.count - 1, lower + 1)
    let t = position - Double(lower)
    return sorted[lower] * (1 - t) + sorted[upper] * t
  }
}
