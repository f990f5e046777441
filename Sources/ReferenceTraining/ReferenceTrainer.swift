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
  /// How the learning rate moves over the run.
  public var schedule: Schedule

  /// `cosine` decays the learning rate to zero over the run's epochs, as fine-tuning recipes do
  /// (so the last epochs settle instead of jittering); `constant` keeps it.
  public enum Schedule: String, Sendable, CaseIterable {
    case cosine
    case constant
  }

  public init(
    domain: String, rank: Int, alpha: Double, weightDecay: Double, learningRate: Double, epochs: Int, seed: UInt64,
    schedule: Schedule = .cosine
  ) {
    self.schedule = schedule
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
    var setup = Setup(self)
    var history: [(loss: Double, accuracy: Double)] = []
    for epoch in 1...max(1, epochs) {
      let (loss, accuracy) = setup.epoch()
      history.append((loss, accuracy))
      onEpoch(epoch, loss, accuracy)
    }
    return Report(
      epochs: history, accuracy: setup.model.accuracy(setup.test), adapterParameters: setup.model.adapterParameters)
  }

  /// One point of a learning curve.
  public struct CurvePoint: Sendable, Equatable {
    /// Validation accuracy after the epoch: what a running trial reports.
    public var validation: Double
    /// Held-out test accuracy had training stopped after the epoch: a trial's result.
    public var test: Double
  }

  /// The learning curve of `epochs` epochs: after each epoch, the validation accuracy the run
  /// reports and the test accuracy it would have if stopped there. (With the cosine schedule a run
  /// of k < epochs epochs decays faster, so it is not this curve's prefix.)
  public func curve() -> [CurvePoint] {
    var setup = Setup(self)
    return (1...max(1, epochs)).map { _ in
      let (_, validation) = setup.epoch()
      return CurvePoint(validation: validation, test: setup.model.accuracy(setup.test))
    }
  }

  /// Data, model and optimiser of one run.
  struct Setup {
    var model: ReferenceModel
    var optimizer: AdamW
    var generator: Xoshiro256StarStar
    let train: [(x: [Double], y: Int)]
    let validation: [(x: [Double], y: Int)]
    let test: [(x: [Double], y: Int)]

    init(_ trainer: ReferenceTrainer) {
      let profile = ReferenceTask.profile(for: trainer.domain)
      let teacher = ReferenceTask.teacher(for: trainer.domain)
      var domainHash = StableHash()
      domainHash.combine(trainer.domain)
      let dataSeed = domainHash.finalized
      train = ReferenceTask.dataset(
        teacher: teacher, count: profile.trainSize, noise: profile.labelNoise, seed: dataSeed)
      validation = ReferenceTask.dataset(teacher: teacher, count: 1024, noise: profile.labelNoise, seed: dataSeed &+ 1)
      test = ReferenceTask.dataset(teacher: teacher, count: 1000, noise: profile.labelNoise, seed: dataSeed &+ 2)
      model = ReferenceModel.pretrained
      model.attachAdapter(rank: trainer.rank, alpha: trainer.alpha, seed: trainer.seed &+ 17)
      let steps = max(1, trainer.epochs) * ((train.count + 31) / 32)
      optimizer = AdamW(
        learningRate: trainer.learningRate, weightDecay: trainer.weightDecay,
        decaySteps: trainer.schedule == .cosine ? steps : nil)
      generator = Xoshiro256StarStar(seed: trainer.seed &+ dataSeed)
    }

    mutating func epoch() -> (loss: Double, accuracy: Double) {
      let loss = model.trainEpoch(train, batchSize: 32, optimizer: &optimizer, generator: &generator)
      return (loss, model.accuracy(validation))
    }
  }

  /// Training examples of a domain, which set its time per epoch.
  public static func trainSize(domain: String) -> Int { ReferenceTask.profile(for: domain).trainSize }

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
