/// The arithmetic behind the dashboard's plots, pure and tested on its own: best-so-far lines,
/// the accuracy/cost frontier, deterministic downsampling for sweeps of 100,000 results, and
/// parameter importance.
public enum PlotMath {
  /// The best value so far at each point of a series in time order.
  public static func bestSoFar(_ values: [Double], goal: Objective.Goal) -> [Double] {
    var best: Double? = nil
    return values.map { value in
      if let current = best, !(goal == .maximize ? value > current : value < current) { return current }
      best = value
      return value
    }
  }

  /// The Pareto frontier of (cost, objective) points: the points no other point beats on both
  /// (cheaper or as cheap, and better or as good, one strictly). Indices in order of cost.
  public static func paretoFrontier(costs: [Double], objectives: [Double], goal: Objective.Goal) -> [Int] {
    precondition(costs.count == objectives.count)
    let better: (Double, Double) -> Bool = goal == .maximize ? { $0 > $1 } : { $0 < $1 }
    // Cheapest first; at equal cost the best objective first, so only it can join the frontier.
    let order = costs.indices.sorted { a, b in
      costs[a] != costs[b] ? costs[a] < costs[b] : (objectives[a] != objectives[b] ? better(objectives[a], objectives[b]) : a < b)
    }
    var frontier: [Int] = []
    var best: Double? = nil
    for index in order where best.map({ better(objectives[index], $0) }) ?? true {
      frontier.append(index)
      best = objectives[index]
    }
    return frontier
  }

  /// At most `limit` of `count` indices, spread evenly (every k-th), always with those in
  /// `keeping` (the best, the frontier): a plot of 100,000 results draws a few thousand marks
  /// and still shows every point that matters. Sorted; the same input gives the same output.
  public static func downsample(count: Int, limit: Int, keeping: Set<Int> = []) -> [Int] {
    guard count > limit else { return Array(0..<count) }
    let kept = keeping.filter { $0 >= 0 && $0 < count }
    let room = max(0, limit - kept.count)
    var chosen = kept
    if room > 0 {
      let stride = Double(count) / Double(room)
      for step in 0..<room { chosen.insert(min(count - 1, Int(Double(step) * stride))) }
    }
    return chosen.sorted()
  }

  /// Equal-count bins of numeric values (at most `bins`; ties stay together): bin number per value.
  public static func quantileBins(_ values: [Double], bins: Int) -> [Int] {
    guard !values.isEmpty, bins > 1 else { return values.map { _ in 0 } }
    let order = values.indices.sorted { values[$0] < values[$1] }
    var result = [Int](repeating: 0, count: values.count)
    var bin = 0
    for (rank, index) in order.enumerated() {
      let wanted = rank * bins / values.count
      // a new bin only where the value changes, so equal values share one
      if wanted > bin, rank > 0, values[order[rank - 1]] != values[index] { bin = wanted }
      result[index] = bin
    }
    return result
  }

  /// How much of the objective's variance the grouping explains: the correlation ratio η²
  /// (between-group sum of squares ÷ total), in [0, 1]. 0 when there is no variance or one group.
  public static func correlationRatio(groups: [Int], values: [Double]) -> Double {
    precondition(groups.count == values.count)
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    guard total > 0 else { return 0 }
    var sums: [Int: (sum: Double, count: Int)] = [:]
    for (group, value) in zip(groups, values) {
      sums[group, default: (0, 0)].sum += value
      sums[group, default: (0, 0)].count += 1
    }
    guard sums.count > 1 else { return 0 }
    let between = sums.values.reduce(0) { acc, g in
      let groupMean = g.sum / Double(g.count)
      return acc + Double(g.count) * (groupMean - mean) * (groupMean - mean)
    }
    return min(1, max(0, between / total))
  }

  /// Each parameter's importance for the objective: η² of the objective grouped by the
  /// parameter (numbers in up to 8 equal-count bins, other values as they are), normalised to
  /// sum to 1 when any is above 0. A first-order, model-free measure: it sees main effects, not
  /// interactions (docs/dashboard.md).
  public static func importance(parameters: [[ParameterValue]], objectives: [Double]) -> [Double] {
    let raw = parameters.map { column -> Double in
      guard column.count == objectives.count, !column.isEmpty else { return 0 }
      let numbers = column.compactMap(\.numeric)
      let groups: [Int]
      if numbers.count == column.count, Set(numbers).count > 8 {
        groups = quantileBins(numbers, bins: 8)
      } else {
        var ids: [String: Int] = [:]
        groups = column.map { value in
          if let id = ids[value.canonical] { return id }
          ids[value.canonical] = ids.count
          return ids.count - 1
        }
      }
      return correlationRatio(groups: groups, values: objectives)
    }
    let sum = raw.reduce(0, +)
    return sum > 0 ? raw.map { $0 / sum } : raw
  }
}
