import Shared
import SpecReading

/// Small specs built in code, so each test shows exactly the input it is about.
enum SpecFixtures {
  static let valid = """
    name: test
    budget_usd: 5
    domains: [financial, legal]
    seed: 1
    sampler: lhs
    trials_per_domain: 8
    space:
      rank: {int: [4, 64], log: true}
      weight_decay: {log_uniform: [1.0e-6, 5.0e-4]}
      alpha: {values: [8, 16, 32]}
      epochs: {value: 3}
    command: [python, train.py, --rank, "{rank}", --wd, "{weight_decay}", --alpha, "{alpha}", "--out=runs/{domain}/{trial_id}"]
    """

  static func decode(_ text: String, file: String = "spec.yaml") throws(SpecValidationError) -> SweepSpec {
    try SpecDecoder.decode(text, file: file)
  }

  /// The diagnostics a spec produces (empty when it is valid).
  static func problems(_ text: String, file: String = "spec.yaml") -> [SpecDiagnostic] {
    do {
      _ = try SpecDecoder.decode(text, file: file)
      return []
    } catch {
      return error.diagnostics
    }
  }

  static func spec(sampler: String, trials: Int? = nil, space: String, domains: String = "[a]", seed: Int = 1) throws
    -> SweepSpec
  {
    let trialsLine = trials.map { "trials_per_domain: \($0)\n" } ?? ""
    return try SpecDecoder.decode(
      """
      name: s
      domains: \(domains)
      seed: \(seed)
      sampler: \(sampler)
      \(trialsLine)space:
      \(space)
      command: [run]
      """, file: "s.yaml")
  }
}
