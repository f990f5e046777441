import Shared

#if canImport(Glibc)
  import Glibc
#endif

/// A genuine small LoRA fine-tune, so the whole product runs end to end on a CPU in seconds:
/// the pretrained base model is adapted to one domain's task and evaluated on held-out data.
public struct ReferenceTrainer: Sendable {
  public var domain: String
  public var rank: Int
  public var alpha: Double
  public var weightDecay: Double
  public var learningRate: Double
  public var epochs: Int
  public var seed: UInt64

  public init(
    domain: String, rank: Int, alpha: Double, weightDecay: Double, learningRate: Double, epochs: Int, seed: UInt64
  ) {
    self.domain = domain
    self.rank = rank
    self.alpha = alpha
    self.weightDecay = weightDecay
    self.learningRate = learningRate
    self.epochs = epochs
    self.seed = seed
  }

  /// What one training run produced.
  public struct Report: Sendable, Equatable {
    /// Per epoch: mean training loss and validation accuracy.
    public var epochs: [(loss: Double, accuracy: Double)]
    /// Held-out test accuracy.
    public var accuracy: Double
    public var adapterParameters: Int

    public static func == (lhs: Report, rhs: Report) -> Bool {
      lhs.accuracy == rhs.accuracy && lhs.adapterParameters == rhs.adapterParameters
        && lhs.epochs.map(\.loss) == rhs.epochs.map(\.loss) && lhs.epochs.map(\.accuracy) == rhs.epochs.map(\.accuracy)
    }
  }

  /// Trains; `onEpoch` sees each epoch's numbers as they happen.
  public func train(onEpoch: (Int, Double, Double) -> Void = { _, _, _ in }) -> Report {
    let profile = ReferenceTask.profile(for: domain)
    let teacher = ReferenceTask.teacher(for: domain)
    var domainHash = StableHash()
    domainHash.combine(domain)
    let dataSeed = domainHash.finalized
    let train = ReferenceTask.dataset(
      teacher: teacher, count: profile.trainSize, noise: profile.labelNoise, seed: dataSeed)
    let validation = ReferenceTask.dataset(teacher: teacher, count: 256, noise: profile.labelNoise, seed: dataSeed &+ 1)
    let test = ReferenceTask.dataset(teacher: teacher, count: 1000, noise: profile.labelNoise, seed: dataSeed &+ 2)
    var model = ReferenceModel.pretrained
    model.attachAdapter(rank: rank, alpha: alpha, seed: seed &+ 17)
    var optimizer = AdamW(learningRate: learningRate, weightDecay: weightDecay)
    var generator = Xoshiro256StarStar(seed: seed &+ dataSeed)
    var history: [(loss: Double, accuracy: Double)] = []
    for epoch in 1...max(1, epochs) {
      let loss = model.trainEpoch(train, batchSize: 32, optimizer: &optimizer, generator: &generator)
      let accuracy = model.accuracy(validation)
      history.append((loss, accuracy))
      onEpoch(epoch, loss, accuracy)
    }
    return Report(epochs: history, accuracy: model.accuracy(test), adapterParameters: model.adapterParameters)
  }

  /// Inference time per example in milliseconds, measured over the test inputs.
  public static func measureLatency(rank: Int) -> Double {
    var model = ReferenceModel.pretrained
    model.attachAdapter(rank: rank, alpha: Double(rank), seed: 1)
    let inputs = ReferenceTask.dataset(teacher: ReferenceTask.general, count: 200, noise: 0, seed: 9).map(\.x)
    let start = ContinuousClock.now
    var sink = 0
    for x in inputs { sink &+= model.predict(x) }
    let elapsed = ContinuousClock.now - start
    return elapsed.secondsDouble * 1000 / Double(inputs.count) + Double(sink & 0)
  }
}
