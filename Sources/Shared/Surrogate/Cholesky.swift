/// The Cholesky factor L of a symmetric positive-definite matrix (A = L·Lᵀ), row-major, with the
/// jitter that had to be added to the diagonal to make the factorisation succeed.
public struct Cholesky: Sendable {
  public let size: Int
  /// Lower triangle, row-major `size × size`.
  public private(set) var lower: [Double]
  public let jitter: Double

  /// Why a matrix could not be factorised even with the largest jitter.
  public struct NotPositiveDefinite: Error, Equatable {}

  /// Factorises `matrix` (row-major, `size × size`). A kernel matrix of near-duplicate points is
  /// singular in floating point, so failures retry with jitter growing tenfold from 1e-10 of the
  /// mean diagonal up to 1e-2 of it.
  public init(_ matrix: [Double], size: Int) throws(NotPositiveDefinite) {
    precondition(matrix.count == size * size)
    let meanDiagonal = size == 0 ? 1 : (0..<size).reduce(0) { $0 + matrix[$1 * size + $1] } / Double(size)
    var jitter = 0.0
    while true {
      if let lower = Self.factor(matrix, size: size, jitter: jitter) {
        self.size = size
        self.lower = lower
        self.jitter = jitter
        return
      }
      jitter = jitter == 0 ? 1e-10 * max(meanDiagonal, 1e-12) : jitter * 10
      if jitter > 1e-2 * max(meanDiagonal, 1e-12) { throw NotPositiveDefinite() }
    }
  }

  private static func factor(_ a: [Double], size n: Int, jitter: Double) -> [Double]? {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var sum = a[i * n + j]
        if i == j { sum += jitter }
        for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
        if i == j {
          guard sum > 0, sum.isFinite else { return nil }
          l[i * n + i] = sum.squareRoot()
        } else {
          l[i * n + j] = sum / l[j * n + j]
        }
      }
    }
    return l
  }

  /// Solves L·x = b.
  public func solveLower(_ b: [Double]) -> [Double] {
    var x = b
    for i in 0..<size {
      var sum = x[i]
      for k in 0..<i { sum -= lower[i * size + k] * x[k] }
      x[i] = sum / lower[i * size + i]
    }
    return x
  }

  /// Solves Lᵀ·x = b.
  public func solveUpper(_ b: [Double]) -> [Double] {
    var x = b
    for i in stride(from: size - 1, through: 0, by: -1) {
      var sum = x[i]
      for k in (i + 1)..<max(i + 1, size) { sum -= lower[k * size + i] * x[k] }
      x[i] = sum / lower[i * size + i]
    }
    return x
  }

  /// Solves A·x = b.
  public func solve(_ b: [Double]) -> [Double] { solveUpper(solveLower(b)) }

  /// log det A = 2 Σ log Lᵢᵢ.
  public var logDeterminant: Double { (0..<size).reduce(0) { $0 + 2 * Math.log(lower[$1 * size + $1]) } }

  /// The diagonal of A⁻¹, for closed-form leave-one-out.
  public var inverseDiagonal: [Double] {
    (0..<size).map { i in
      var unit = [Double](repeating: 0, count: size)
      unit[i] = 1
      return solve(unit)[i]
    }
  }
}
