import ArgumentParser
import Platform
import ReferenceTraining
import Shared

/// `sweep-worker reference-train`: the reference LoRA fine-tune, speaking the metrics protocol.
struct ReferenceTrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reference-train",
    abstract: "Fine-tune a LoRA adapter of a small pretrained MLP on one synthetic domain (a few seconds on a CPU).",
    discussion: """
      Prints one JSON line per epoch ({"epoch","loss","accuracy"}) and a final line with accuracy \
      (held-out), latency (ms per example), adapter_params and train_seconds. Deterministic per seed \
      (except the measured latency and time).
      """)

  @Option(help: "Domain: financial, legal, medical, ecommerce, customer_support, or any other name.") var domain: String
  @Option(help: "LoRA rank (1–64).") var rank: Int
  @Option(help: "LoRA alpha (> 0); the adapter is scaled by alpha/rank.") var alpha: Double
  @Option(help: "Decoupled weight decay (≥ 0).") var weightDecay: Double = 0
  @Option(help: "AdamW learning rate (> 0).") var learningRate: Double = 0.01
  @Option(help: "Epochs (1–1000).") var epochs: Int = 3
  @Option(help: "Seed of the adapter's initialisation and the batch order.") var seed: UInt64 = 0
  @Option(help: "Learning-rate schedule: cosine (decays to zero over the epochs) or constant.")
  var schedule: ReferenceTrainer.Schedule = .cosine

  func validate() throws {
    guard (1...64).contains(rank) else { throw ValidationError("--rank: expected 1 to 64, got \(rank)") }
    guard alpha > 0, alpha.isFinite else { throw ValidationError("--alpha: expected a number > 0") }
    guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay: expected a number ≥ 0") }
    guard learningRate > 0, learningRate.isFinite else {
      throw ValidationError("--learning-rate: expected a number > 0")
    }
    guard (1...1000).contains(epochs) else { throw ValidationError("--epochs: expected 1 to 1000") }
    guard Identifier.isDomainName(domain) else { throw ValidationError("--domain: '\(domain)' is not a domain name") }
  }

  func run() throws {
    let started = ContinuousClock.now
    let trainer = ReferenceTrainer(
      domain: domain, rank: rank, alpha: alpha, weightDecay: weightDecay, learningRate: learningRate, epochs: epochs,
      seed: seed, schedule: schedule)
    let report = trainer.train { epoch, loss, accuracy in
      emit(.object([("epoch", .int(Int64(epoch))), ("loss", .double(loss)), ("accuracy", .double(accuracy))]))
    }
    let latency = ReferenceTrainer.measureLatency(rank: rank)
    emit(
      .object([
        ("accuracy", .double(report.accuracy)), ("latency", .double((latency * 10_000).rounded() / 10_000)),
        ("adapter_params", .int(Int64(report.adapterParameters))),
        ("train_seconds", .double(((ContinuousClock.now - started).secondsDouble * 1000).rounded() / 1000)),
      ]))
  }

  private func emit(_ value: JSONValue) {
    let line = value.serialized() + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
  }
}

extension ReferenceTrainer.Schedule: ExpressibleByArgument {}
