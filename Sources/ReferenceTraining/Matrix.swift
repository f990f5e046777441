import Shared

/// A small dense row-major matrix of doubles: just what the reference trainer needs.
struct Matrix: Sendable {
  var rows: Int
  var columns: Int
  var values: [Double]

  init(rows: Int, columns: Int, repeating value: Double = 0) {
    self.rows = rows
    self.columns = columns
    values = Array(repeating: value, count: rows * columns)
  }

  /// Gaussian entries with standard deviation `scale`, from a seeded generator.
  init(rows: Int, columns: Int, scale: Double, generator: inout Xoshiro256StarStar) {
    self.init(rows: rows, columns: columns)
    for index in values.indices { values[index] = Gaussian.sample(&generator) * scale }
  }

  subscript(row: Int, column: Int) -> Double {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  /// y = self · x
  func multiply(_ x: [Double]) -> [Double] {
    var y = Array(repeating: 0.0, count: rows)
    values.withUnsafeBufferPointer { m in
      x.withUnsafeBufferPointer { v in
        for row in 0..<rows {
          var sum = 0.0
          let base = row * columns
          for column in 0..<columns { sum += m[base + column] * v[column] }
          y[row] = sum
        }
      }
    }
    return y
  }

  /// y = selfᵀ · x
  func multiplyTransposed(_ x: [Double]) -> [Double] {
    var y = Array(repeating: 0.0, count: columns)
    values.withUnsafeBufferPointer { m in
      for row in 0..<rows where x[row] != 0 {
        let base = row * columns
        let scale = x[row]
        for column in 0..<columns { y[column] += m[base + column] * scale }
      }
    }
    return y
  }

  /// self += scale · a bᵀ (an outer product), for gradients.
  mutating func addOuter(_ a: [Double], _ b: [Double], scale: Double = 1) {
    values.withUnsafeMutableBufferPointer { m in
      for row in 0..<rows where a[row] != 0 {
        let base = row * columns
        let factor = a[row] * scale
        for column in 0..<columns { m[base + column] += factor * b[column] }
      }
    }
  }

  /// self · other
  func multiply(_ other: Matrix) -> Matrix {
    var result = Matrix(rows: rows, columns: other.columns)
    for row in 0..<rows {
      for inner in 0..<columns {
        let a = self[row, inner]
        if a == 0 { continue }
        for column in 0..<other.columns { result[row, column] += a * other[inner, column] }
      }
    }
    return result
  }

  static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
    var result = lhs
    for index in result.values.indices { result.values[index] += rhs.values[index] }
    return result
  }

  func scaled(_ factor: Double) -> Matrix {
    var result = self
    for index in result.values.indices { result.values[index] *= factor }
    return result
  }
}
