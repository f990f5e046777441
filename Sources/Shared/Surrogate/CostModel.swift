/// Expected seconds of a configuration, learned from measured durations: a ridge regression of
/// log duration on the encoded parameters (so a doubling of rank may cost a constant factor).
/// With fewer than three measurements it predicts their geometric mean, or 1 s with none.
public struct CostModel: Sendable {
  let coefficients: [Double]
  let fallback: Double

  public init(points: [[Double]], seconds: [Double], ridge: Double = 0.1) {
    let usable = zip(points, seconds).filter { $0.1 > 0 && $0.1.isFinite }
    let logs = usable.map { Math.log($0.1) }
    fallback = logs.isEmpty ? 0 : logs.reduce(0, +) / Double(logs.count)
    guard usable.count >= 3, let dimension = usable.first?.0.count else {
      coefficients = []
      return
    }
    // Normal equations (XᵀX + λI) β = Xᵀy with an intercept column that is not penalised.
    let width = dimension + 1
    var gram = [Double](repeating: 0, count: width * width)
    var moment = [Double](repeating: 0, count: width)
    for ((point, _), y) in zip(usable, logs) {
      let row = [1] + point
      for i in 0..<width {
        moment[i] += row[i] * y
        for j in 0..<width { gram[i * width + j] += row[i] * row[j] }
      }
    }
    for i in 1..<width { gram[i * width + i] += ridge }
    if let factor = try? Cholesky(gram, size: width) {
      coefficients = factor.solve(moment)
    } else {
      coefficients = []
    }
  }

  /// Expected seconds at `point`.
  public func seconds(at point: [Double]) -> Double {
    guard !coefficients.isEmpty else { return Math.exp(fallback) }
    var log = coefficients[0]
    for (c, x) in zip(coefficients.dropFirst(), point) { log += c * x }
    return Math.exp(min(50, max(-50, log)))
  }
}
