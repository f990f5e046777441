import Shared

/// The frozen base model (an MLP pretrained on the general task) with a LoRA adapter on its
/// first layer: W1 + (alpha/r)·B·A, B zero-initialised. Trained with AdamW (decoupled weight decay).
struct ReferenceModel {
  var w1: Matrix
  var b1: [Double]
  var w2: Matrix
  var b2: [Double]
  /// LoRA factors; `nil` before an adapter is attached (pretraining trains everything).
  var adapterA: Matrix?
  var adapterB: Matrix?
  var adapterScale = 1.0

  static let inputs = ReferenceTask.inputs
  static let hidden = ReferenceTask.hidden
  static let classes = ReferenceTask.classes

  /// A randomly initialised model, before pretraining.
  static func initial(seed: UInt64) -> ReferenceModel {
    var generator = Xoshiro256StarStar(seed: seed)
    return ReferenceModel(
      w1: Matrix(rows: hidden, columns: inputs, scale: (2 / Double(inputs)).squareRoot(), generator: &generator),
      b1: Array(repeating: 0, count: hidden),
      w2: Matrix(rows: classes, columns: hidden, scale: (1 / Double(hidden)).squareRoot(), generator: &generator),
      b2: Array(repeating: 0, count: classes))
  }

  /// The base model every trial starts from: pretrained deterministically on the general task.
  static let pretrained: ReferenceModel = {
    var model = initial(seed: 0xBA5E)
    let data = ReferenceTask.dataset(teacher: ReferenceTask.general, count: 2048, noise: 0, seed: 0x6E4E)
    var optimizer = AdamW(learningRate: 0.01, weightDecay: 0)
    var generator = Xoshiro256StarStar(seed: 0x7E41)
    for _ in 0..<6 { _ = model.trainEpoch(data, batchSize: 64, optimizer: &optimizer, generator: &generator) }
    return model
  }()

  /// Attaches a rank-`rank` adapter with scale alpha/rank.
  mutating func attachAdapter(rank: Int, alpha: Double, seed: UInt64) {
    var generator = Xoshiro256StarStar(seed: seed)
    adapterA = Matrix(
      rows: rank, columns: Self.inputs, scale: 1 / Double(Self.inputs).squareRoot(), generator: &generator)
    adapterB = Matrix(rows: Self.hidden, columns: rank)
    adapterScale = alpha / Double(rank)
  }

  var adapterParameters: Int { (adapterA?.values.count ?? 0) + (adapterB?.values.count ?? 0) }

  /// Hidden pre-activations, the adapter's low-rank projection, and the logits.
  func forward(_ x: [Double]) -> (pre: [Double], projected: [Double], hidden: [Double], logits: [Double]) {
    var pre = w1.multiply(x)
    var projected: [Double] = []
    if let a = adapterA, let b = adapterB {
      projected = a.multiply(x)
      let delta = b.multiply(projected)
      for i in pre.indices { pre[i] += adapterScale * delta[i] }
    }
    var hidden = pre
    for i in hidden.indices { hidden[i] = max(0, hidden[i] + b1[i]) }
    var logits = w2.multiply(hidden)
    for i in logits.indices { logits[i] += b2[i] }
    return (pre, projected, hidden, logits)
  }

  func predict(_ x: [Double]) -> Int {
    let logits = forward(x).logits
    return logits.indices.max { logits[$0] < logits[$1] } ?? 0
  }

  func accuracy(_ data: [(x: [Double], y: Int)]) -> Double {
    guard !data.isEmpty else { return 0 }
    return Double(data.filter { predict($0.x) == $0.y }.count) / Double(data.count)
  }

  /// One pass over `data` in shuffled minibatches; returns the mean cross-entropy. With an adapter
  /// attached only A and B learn (the base is frozen); without one every weight learns.
  mutating func trainEpoch(
    _ data: [(x: [Double], y: Int)], batchSize: Int, optimizer: inout AdamW, generator: inout Xoshiro256StarStar
  ) -> Double {
    let order = generator.permutation(of: data.count)
    var totalLoss = 0.0
    var start = 0
    while start < order.count {
      let batch = order[start..<min(start + batchSize, order.count)]
      start += batchSize
      var gradient = Gradient(model: self)
      for index in batch {
        totalLoss += accumulate(data[index], into: &gradient)
      }
      optimizer.step(&self, gradient: gradient, batch: Double(batch.count))
    }
    return totalLoss / Double(max(1, data.count))
  }

  /// Back-propagates one example's softmax cross-entropy into `gradient`; returns its loss.
  func accumulate(_ example: (x: [Double], y: Int), into gradient: inout Gradient) -> Double {
    let (_, projected, hidden, logits) = forward(example.x)
    let peak = logits.max() ?? 0
    let exps = logits.map { Math.exp($0 - peak) }
    let total = exps.reduce(0, +)
    var dLogits = exps.map { $0 / total }
    let loss = -Math.log(max(1e-12, dLogits[example.y]))
    dLogits[example.y] -= 1
    var dHidden = w2.multiplyTransposed(dLogits)
    for i in dHidden.indices where hidden[i] <= 0 { dHidden[i] = 0 }
    if let b = adapterB {
      // d/dB = scale · dPre · projectedᵀ ; d/dA = scale · Bᵀ dPre · xᵀ
      gradient.b?.addOuter(dHidden, projected, scale: adapterScale)
      let back = b.multiplyTransposed(dHidden)
      gradient.a?.addOuter(back, example.x, scale: adapterScale)
    } else {
      gradient.w2?.addOuter(dLogits, hidden)
      for i in dLogits.indices { gradient.b2?[i] += dLogits[i] }
      gradient.w1?.addOuter(dHidden, example.x)
      for i in dHidden.indices { gradient.b1?[i] += dHidden[i] }
    }
    return loss
  }
}

/// Gradients of the trainable parameters (adapter only, or the whole model when pretraining).
struct Gradient {
  var a: Matrix?
  var b: Matrix?
  var w1: Matrix?
  var b1: [Double]?
  var w2: Matrix?
  var b2: [Double]?

  init(model: ReferenceModel) {
    if let a = model.adapterA, let b = model.adapterB {
      self.a = Matrix(rows: a.rows, columns: a.columns)
      self.b = Matrix(rows: b.rows, columns: b.columns)
    } else {
      w1 = Matrix(rows: model.w1.rows, columns: model.w1.columns)
      b1 = Array(repeating: 0, count: model.b1.count)
      w2 = Matrix(rows: model.w2.rows, columns: model.w2.columns)
      b2 = Array(repeating: 0, count: model.b2.count)
    }
  }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ − lr·(m̂/(√v̂+ε) + wd·θ).
struct AdamW {
  var learningRate: Double
  var weightDecay: Double
  var beta1 = 0.9
  var beta2 = 0.999
  var epsilon = 1e-8
  private var moments: [String: ([Double], [Double])] = [:]
  private var steps = 0

  /// Steps of the whole run for a cosine decay of the learning rate to zero (as fine-tuning
  /// recipes do); `nil` keeps it constant.
  var decaySteps: Int?

  init(learningRate: Double, weightDecay: Double, decaySteps: Int? = nil) {
    self.learningRate = learningRate
    self.decaySteps = decaySteps
    self.weightDecay = weightDecay
  }

  /// The learning rate of the current step.
  var currentRate: Double {
    guard let total = decaySteps, total > 0 else { return learningRate }
    let progress = Double(min(steps - 1, total)) / Double(total)
    return learningRate * 0.5 * (1 + Math.cos(Double.pi * progress))
  }

  mutating func step(_ model: inout ReferenceModel, gradient: Gradient, batch: Double) {
    steps += 1
    if let g = gradient.a, model.adapterA != nil { update("a", &model.adapterA!.values, g.values, batch) }
    if let g = gradient.b, model.adapterB != nil { update("b", &model.adapterB!.values, g.values, batch) }
    if let g = gradient.w1 { update("w1", &model.w1.values, g.values, batch) }
    if let g = gradient.b1 { update("b1", &model.b1, g, batch) }
    if let g = gradient.w2 { update("w2", &model.w2.values, g.values, batch) }
    if let g = gradient.b2 { update("b2", &model.b2, g, batch) }
  }

  private mutating func update(_ key: String, _ parameters: inout [Double], _ gradient: [Double], _ batch: Double) {
    var (m, v) =
      moments[key] ?? (Array(repeating: 0, count: parameters.count), Array(repeating: 0, count: parameters.count))
    let correction1 = 1 - Math.pow(beta1, Double(steps))
    let correction2 = 1 - Math.pow(beta2, Double(steps))
    let rate = currentRate
    for i in parameters.indices {
      let g = gradient[i] / batch
      m[i] = beta1 * m[i] + (1 - beta1) * g
      v[i] = beta2 * v[i] + (1 - beta2) * g * g
      let mHat = m[i] / correction1
      let vHat = v[i] / correction2
      parameters[i] -= rate * (mHat / (vHat.squareRoot() + epsilon) + weightDecay * parameters[i])
    }
    moments[key] = (m, v)
  }
}
