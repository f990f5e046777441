import Shared

/// The synthetic world of the reference trainer: a general classification task, and per domain a
/// task derived from it by a low-rank change of the true decision function, with its own label
/// noise and data size. Everything is a pure function of the domain name and fixed seeds.
struct ReferenceTask {
  static let inputs = 16
  static let hidden = 32
  static let classes = 4

  /// The true decision function: logits = W2 · relu(W1 · x + b1).
  struct Teacher {
    var w1: Matrix
    var b1: [Double]
    var w2: Matrix

    func label(_ x: [Double]) -> Int {
      var h = w1.multiply(x)
      for i in h.indices { h[i] = max(0, h[i] + b1[i]) }
      let logits = w2.multiply(h)
      return logits.indices.max { logits[$0] < logits[$1] } ?? 0
    }
  }

  /// Properties of one domain.
  struct DomainProfile: Equatable {
    /// Rank of the change of the decision function: a LoRA adapter below it underfits.
    var shiftRank: Int
    var labelNoise: Double
    var trainSize: Int
  }

  static let knownProfiles: [String: DomainProfile] = [
    "financial": DomainProfile(shiftRank: 6, labelNoise: 0.05, trainSize: 768),
    "legal": DomainProfile(shiftRank: 2, labelNoise: 0.08, trainSize: 512),
    "medical": DomainProfile(shiftRank: 10, labelNoise: 0.03, trainSize: 1024),
    "ecommerce": DomainProfile(shiftRank: 4, labelNoise: 0.10, trainSize: 512),
    "customer_support": DomainProfile(shiftRank: 3, labelNoise: 0.12, trainSize: 384),
  ]

  static func profile(for domain: String) -> DomainProfile {
    if let known = knownProfiles[domain] { return known }
    var hash = StableHash()
    hash.combine(domain)
    let value = hash.finalized
    return DomainProfile(
      shiftRank: 1 + Int(value % 12), labelNoise: 0.02 + Double((value >> 8) % 10) / 100,
      trainSize: [384, 512, 768, 1024][Int((value >> 16) % 4)])
  }

  static let general: Teacher = {
    var generator = Xoshiro256StarStar(seed: 0x5EED_0001)
    return Teacher(
      w1: Matrix(rows: hidden, columns: inputs, scale: 1 / Double(inputs).squareRoot(), generator: &generator),
      b1: (0..<hidden).map { _ in Gaussian.sample(&generator) * 0.1 },
      w2: Matrix(rows: classes, columns: hidden, scale: 1 / Double(hidden).squareRoot(), generator: &generator))
  }()

  /// The domain's decision function: the general one with W1 changed by a rank-`shiftRank` term.
  static func teacher(for domain: String) -> Teacher {
    let profile = profile(for: domain)
    var hash = StableHash()
    hash.combine("domain-shift")
    hash.combine(domain)
    var generator = Xoshiro256StarStar(seed: hash.finalized)
    let u = Matrix(rows: hidden, columns: profile.shiftRank, scale: 1, generator: &generator)
    let v = Matrix(rows: profile.shiftRank, columns: inputs, scale: 1, generator: &generator)
    // Scale so the change is as large as W1 itself whatever the rank.
    let shift = u.multiply(v).scaled(1.2 / (Double(inputs) * Double(profile.shiftRank)).squareRoot())
    var teacher = general
    teacher.w1 = teacher.w1 + shift
    return teacher
  }

  /// A labelled data set: `count` inputs with their teacher labels, each flipped with probability `noise`.
  static func dataset(teacher: Teacher, count: Int, noise: Double, seed: UInt64) -> [(x: [Double], y: Int)] {
    var generator = Xoshiro256StarStar(seed: seed)
    return (0..<count).map { _ in
      let x = (0..<inputs).map { _ in Gaussian.sample(&generator) }
      var y = teacher.label(x)
      if generator.nextOpenUnit() < noise { y = (y + 1 + generator.nextIndex(below: classes - 1)) % classes }
      return (x, y)
    }
  }
}
