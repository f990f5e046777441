import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep predict SWEEP [--domain D] [--config 'rank=16,…']`: how well the surrogate predicts.
struct PredictCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Validate the adaptive sampler's predictor on a sweep's results, or predict one configuration.",
    discussion: """
      Fits the Gaussian-process surrogate of `sampler: adaptive` on each domain's first-stage \
      results and prints leave-one-out and hold-out (25%, seeded) validation: mean absolute error, \
      Spearman rank correlation, and whether the truly best configuration is in the predictor's top 3. \
      With --config it predicts that configuration with a 95% interval for a new run.
      """)

  @OptionGroup var input: AnalysisInput
  @Option(help: "Only this domain.") var domain: String?
  @Option(
    help: "A configuration to predict, e.g. 'rank=16,alpha=32,weight_decay=1e-4' (needs --domain with several domains)."
  )
  var config: String?
  @Option(help: "Seed of the hold-out split.") var seed: UInt64 = 1

  func run() async throws {
    let (spec, records) = try await input.load(domain: domain)
    var out = StandardOutput()
    if let config {
      guard let target = domain ?? (spec.domains.count == 1 ? spec.domains[0] : nil) else {
        throw CLIError(.badInput, "--config: name the domain with --domain (the sweep has \(spec.domains.count))")
      }
      let values = try Self.parse(config, spec: spec)
      guard
        let analysis = SurrogateAnalysis(
          space: spec.space, stages: spec.stages, goal: spec.objective.goal,
          observations: spec.observations(records, domain: target))
      else { throw CLIError(.runtime, "\(target): fewer than 3 succeeded trials; nothing to predict from") }
      let p = analysis.predict(values, domain: target)
      out.line(
        "\(target): predicted \(spec.objective.metric) \(Self.format(p.mean)) (95% interval for a new run \(Self.format(p.lower)) to \(Self.format(p.upper))), from \(analysis.observations.count) trials"
      )
      out.flush()
      return
    }
    out.line("domain            n   loo MAE  loo Spearman  best in top 3   hold-out n  MAE      Spearman")
    for name in spec.domains where domain == nil || domain == name {
      guard
        let analysis = SurrogateAnalysis(
          space: spec.space, stages: spec.stages, goal: spec.objective.goal,
          observations: spec.observations(records, domain: name))
      else {
        out.line("\(Self.pad(name, 16)) fewer than 3 succeeded trials")
        continue
      }
      let v = analysis.validate(seed: seed)
      out.line(
        Self.pad(name, 16) + Self.pad(String(v.count), 4) + Self.pad(Self.format(v.looMAE), 9)
          + Self.pad(v.looSpearman.map(Self.format) ?? "—", 14) + Self.pad(v.bestInTopThree ? "yes" : "no", 16)
          + Self.pad(String(v.holdoutCount), 12) + Self.pad(v.holdoutMAE.map(Self.format) ?? "—", 9)
          + (v.holdoutSpearman.map(Self.format) ?? "—"))
    }
    out.flush()
  }

  /// `name=value,…` into values in spec order; fixed and stage-set parameters may be left out.
  static func parse(_ text: String, spec: SweepSpec) throws -> [ParameterValue] {
    var given: [String: String] = [:]
    for part in text.split(separator: ",") {
      let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard pair.count == 2, !pair[0].isEmpty else {
        throw CLIError(.badInput, "--config: '\(part)' is not name=value; expected e.g. 'rank=16,alpha=32'")
      }
      guard spec.space.contains(where: { $0.name == pair[0] }) else {
        throw CLIError(
          .badInput, "--config: '\(pair[0])' is not a parameter (\(spec.space.map(\.name).joined(separator: ", ")))")
      }
      given[pair[0]] = pair[1]
    }
    var missing: [String] = []
    let values = spec.space.map { parameter -> ParameterValue in
      if let text = given[parameter.name] {
        if let n = Int64(text) { return parameter.kind.coerce(.int(n)) }
        if let x = Double(text) { return parameter.kind.coerce(.double(x)) }
        return .string(text)
      }
      if let value = spec.stages.first?.overrides[parameter.name] { return value }
      if case .fixed(let value) = parameter.kind { return value }
      missing.append(parameter.name)
      return .int(0)
    }
    guard missing.isEmpty else {
      throw CLIError(.badInput, "--config: missing \(missing.joined(separator: ", ")); give every varying parameter")
    }
    return values
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }

  static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
