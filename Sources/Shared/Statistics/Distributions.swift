/// The distributions the replicate tests need: Student's t and Fisher's F, through the
/// regularized incomplete beta function.
public enum Distributions {
  /// I_x(a, b), the regularized incomplete beta function, by its continued fraction (modified
  /// Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
  public static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    guard x > 0 else { return 0 }
    guard x < 1 else { return 1 }
    let logFront =
      Math.logGamma(a + b) - Math.logGamma(a) - Math.logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)
    if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, b, a) }
    return Math.exp(logFront) * continuedFraction(x, a, b) / a
  }

  private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    d = 1 / (abs(d) < tiny ? tiny : d)
    var result = d
    for m in 1...300 {
      let m = Double(m)
      // Even step.
      var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      d = 1 + numerator * d
      d = 1 / (abs(d) < tiny ? tiny : d)
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      result *= d * c
      // Odd step.
      numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + numerator * d
      d = 1 / (abs(d) < tiny ? tiny : d)
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      let step = d * c
      result *= step
      if abs(step - 1) < 1e-15 { break }
    }
    return result
  }

  /// P(T ≤ t) for Student's t with `df` degrees of freedom.
  public static func studentTCDF(_ t: Double, df: Double) -> Double {
    let tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
    return t >= 0 ? 1 - tail : tail
  }

  /// The two-sided p-value of a t statistic.
  public static func studentTTwoSided(_ t: Double, df: Double) -> Double {
    min(1, incompleteBeta(df / (df + t * t), df / 2, 0.5))
  }

  /// The t such that P(T ≤ t) = p, by bisection on the distribution function (monotone, so
  /// 200 halvings of a wide bracket reach double precision).
  public static func studentTQuantile(_ p: Double, df: Double) -> Double {
    var low = -1e6
    var high = 1e6
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if studentTCDF(middle, df: df) < p { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }

  /// P(F > f) for Fisher's F with (d1, d2) degrees of freedom.
  public static func fSurvival(_ f: Double, d1: Double, d2: Double) -> Double {
    guard f > 0 else { return 1 }
    return incompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2)
  }

  /// Holm's step-down adjustment of p-values for several tests (same order as given): control
  /// of the family-wise error rate, uniformly more powerful than Bonferroni.
  public static func holm(_ pValues: [Double]) -> [Double] {
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 1, count: pValues.count)
    var running = 0.0
    for (rank, index) in order.enumerated() {
      running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
      adjusted[index] = running
    }
    return adjusted
  }
}
