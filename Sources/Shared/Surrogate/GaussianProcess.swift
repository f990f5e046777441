/// A Gaussian-process regression model with a squared-exponential kernel and one length scale per
/// input (ARD), on inputs in the unit cube and standardized outputs.
///
/// Numerically careful in the usual ways: outputs are centred and scaled, the kernel matrix is
/// factorised by Cholesky with jitter when needed, and predictions use triangular solves, never
/// an inverse.
public struct GaussianProcess: Sendable {
  /// Kernel settings on the standardized scale.
  public struct Hyperparameters: Hashable, Sendable {
    public var lengthScales: [Double]
    public var signalVariance: Double
    public var noiseVariance: Double

    public init(lengthScales: [Double], signalVariance: Double, noiseVariance: Double) {
      self.lengthScales = lengthScales
      self.signalVariance = signalVariance
      self.noiseVariance = noiseVariance
    }
  }

  /// Why no model could be built.
  public enum FitError: Error, Equatable {
    case noData
    case inconsistentDimensions
    case notPositiveDefinite
  }

  public let inputs: [[Double]]
  public let outputs: [Double]
  public let hyperparameters: Hyperparameters
  let mean: Double
  let scale: Double
  let factor: Cholesky
  /// K⁻¹ y on the standardized scale.
  let weights: [Double]
  let standardized: [Double]

  /// A model with the given kernel settings.
  public init(inputs: [[Double]], outputs: [Double], hyperparameters: Hyperparameters) throws(FitError) {
    guard !inputs.isEmpty, inputs.count == outputs.count else { throw .noData }
    let dimension = hyperparameters.lengthScales.count
    guard inputs.allSatisfy({ $0.count == dimension }) else { throw .inconsistentDimensions }
    self.inputs = inputs
    self.outputs = outputs
    self.hyperparameters = hyperparameters
    let n = Double(outputs.count)
    let center = outputs.reduce(0, +) / n
    let variance = outputs.reduce(0) { $0 + ($1 - center) * ($1 - center) } / n
    let spread = variance > 1e-24 ? variance.squareRoot() : 1
    mean = center
    scale = spread
    standardized = outputs.map { ($0 - center) / spread }
    var matrix = [Double](repeating: 0, count: inputs.count * inputs.count)
    for i in inputs.indices {
      for j in 0...i {
        let k = Self.kernel(inputs[i], inputs[j], hyperparameters)
        matrix[i * inputs.count + j] = k
        matrix[j * inputs.count + i] = k
      }
      matrix[i * inputs.count + i] += hyperparameters.noiseVariance
    }
    do {
      factor = try Cholesky(matrix, size: inputs.count)
    } catch {
      throw .notPositiveDefinite
    }
    weights = factor.solve(standardized)
  }

  static func kernel(_ a: [Double], _ b: [Double], _ h: Hyperparameters) -> Double {
    var sum = 0.0
    for d in a.indices {
      let r = (a[d] - b[d]) / h.lengthScales[d]
      sum += r * r
    }
    return h.signalVariance * Math.exp(-0.5 * sum)
  }

  /// The log marginal likelihood of the standardized outputs: how well these settings explain the data.
  public var logMarginalLikelihood: Double {
    let fit = zip(standardized, weights).reduce(0) { $0 + $1.0 * $1.1 }
    return -0.5 * fit - 0.5 * factor.logDeterminant - 0.5 * Double(outputs.count) * Math.log(2 * Double.pi)
  }

  /// Mean and variance of the latent function at `x`, in the outputs' units (noise excluded).
  public func predict(_ x: [Double]) -> (mean: Double, variance: Double) {
    let k = inputs.map { Self.kernel($0, x, hyperparameters) }
    let m = zip(k, weights).reduce(0) { $0 + $1.0 * $1.1 }
    let v = factor.solveLower(k)
    let variance = max(1e-12, hyperparameters.signalVariance - v.reduce(0) { $0 + $1 * $1 })
    return (mean + scale * m, variance * scale * scale)
  }

  /// The observation noise variance in the outputs' units: the run-to-run scatter the model attributes to noise.
  public var noiseVariance: Double { hyperparameters.noiseVariance * scale * scale }

  /// Closed-form leave-one-out predictions (Rasmussen & Williams §5.4.2) with these kernel settings:
  /// for each point, the mean and predictive variance (noise included) from all the others.
  public func leaveOneOut() -> [(mean: Double, variance: Double)] {
    let diagonal = factor.inverseDiagonal
    return outputs.indices.map { i in
      let m = standardized[i] - weights[i] / diagonal[i]
      return (mean + scale * m, scale * scale / diagonal[i])
    }
  }

  /// The same kernel settings conditioned on other data (no refit).
  public func conditioned(inputs: [[Double]], outputs: [Double]) throws(FitError) -> GaussianProcess {
    try GaussianProcess(inputs: inputs, outputs: outputs, hyperparameters: hyperparameters)
  }

  static let lengthScaleGrid = [0.05, 0.1, 0.2, 0.35, 0.6, 1.0, 2.0, 5.0]
  static let noiseGrid = [1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0]
  static let signalGrid = [0.3, 1.0, 3.0]

  /// Chooses kernel settings by maximising the log marginal likelihood (type-II maximum
  /// likelihood) by coordinate search over fixed grids: deterministic, and robust with the few
  /// dozen points a sweep has.
  /// With more than `maxSearchPoints` points, the settings are chosen on an evenly spread subset
  /// of that many (each likelihood costs a Cholesky, O(n³)); the model returned uses every point.
  public static func fit(inputs: [[Double]], outputs: [Double], maxSearchPoints: Int = 64) throws(FitError)
    -> GaussianProcess
  {
    guard !inputs.isEmpty else { throw .noData }
    guard inputs.count > maxSearchPoints else { return try search(inputs: inputs, outputs: outputs) }
    let picked = (0..<maxSearchPoints).map { $0 * inputs.count / maxSearchPoints }
    let settings = try search(inputs: picked.map { inputs[$0] }, outputs: picked.map { outputs[$0] }).hyperparameters
    return try GaussianProcess(inputs: inputs, outputs: outputs, hyperparameters: settings)
  }

  static func search(inputs: [[Double]], outputs: [Double]) throws(FitError) -> GaussianProcess {
    guard let first = inputs.first else { throw .noData }
    var best = try GaussianProcess(
      inputs: inputs, outputs: outputs,
      hyperparameters: Hyperparameters(
        lengthScales: Array(repeating: 0.35, count: first.count), signalVariance: 1, noiseVariance: 0.03))
    var bestScore = best.logMarginalLikelihood
    func attempt(_ h: Hyperparameters) {
      guard let model = try? GaussianProcess(inputs: inputs, outputs: outputs, hyperparameters: h) else { return }
      let score = model.logMarginalLikelihood
      if score.isFinite, score > bestScore + 1e-9 {
        best = model
        bestScore = score
      }
    }
    for _ in 0..<3 {
      for d in 0..<first.count {
        for value in lengthScaleGrid {
          var h = best.hyperparameters
          h.lengthScales[d] = value
          attempt(h)
        }
      }
      for value in noiseGrid {
        var h = best.hyperparameters
        h.noiseVariance = value
        attempt(h)
      }
      for value in signalGrid {
        var h = best.hyperparameters
        h.signalVariance = value
        attempt(h)
      }
    }
    return best
  }
}

/// Expected improvement over `best` of a normal prediction, for maximisation.
public func expectedImprovement(mean: Double, variance: Double, best: Double) -> Double {
  let sd = variance.squareRoot()
  guard sd > 1e-12 else { return max(0, mean - best) }
  let z = (mean - best) / sd
  return (mean - best) * Math.normalCDF(z) + sd * Math.normalPDF(z)
}
