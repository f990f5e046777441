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
      With --config it predicts that configuration with a 95% interval for a new run. \
      With --holdout F it fits on the rest and prints, per held-out trial, the predicted and actual \
      value with the interval, then the intervals' coverage, MAE, Spearman and whether the true best \
      is in the predicted top 3; --extension ID does the same for the trials an extension added, \
      fitted on the trials that came before it.
      """)

  @OptionGroup var input: AnalysisInput
  @Option(help: "Only this domain.") var domain: String?
  @Option(
    help: "A configuration to predict, e.g. 'rank=16,alpha=32,weight_decay=1e-4' (needs --domain with several domains)."
  )
  var config: String?
  @Option(help: "Seed of the hold-out split.") var seed: UInt64 = 1
  @Option(help: "Hold out this share of each domain's trials (0 < F < 1) and show predicted against actual.")
  var holdout: Double?
  @Option(help: "Predict the trials this extension added from those before it (`sweep extend --id`).")
  var `extension`: String?
  @Option(help: "With --holdout or --extension: also write the table to this CSV file.") var csv: String?

  func validate() throws {
    if let holdout, !(holdout > 0 && holdout < 1) {
      throw ValidationError("--holdout: expected a share between 0 and 1, e.g. 0.3; got \(holdout)")
    }
    if holdout != nil && `extension` != nil { throw ValidationError("give --holdout or --extension, not both") }
    if csv != nil && holdout == nil && `extension` == nil {
      throw ValidationError("--csv needs --holdout or --extension: it writes their table")
    }
    if config != nil && (holdout != nil || `extension` != nil) {
      throw ValidationError("--config predicts one configuration; drop --holdout/--extension")
    }
  }

  func run() async throws {
    let (spec, records) = try await input.load(domain: domain)
    var out = StandardOutput()
    if holdout != nil || `extension` != nil {
      try check(spec: spec, records: records, out: &out)
      out.flush()
      return
    }
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

  /// Predicted against actual for held-out trials, per domain: the table, then the summary.
  private func check(spec: SweepSpec, records: [AnalysisRecord], out: inout StandardOutput) throws {
    var heldOutIDs: Set<String>? = nil
    if let name = `extension` {
      guard let index = spec.extensions.firstIndex(where: { $0.id == name }) else {
        let known = spec.extensions.map(\.id)
        throw CLIError(
          .badInput,
          "--extension: the sweep has no extension '\(name)'"
            + (known.isEmpty ? " (it was never extended)" : " (it has \(known.joined(separator: ", ")))"))
      }
      guard spec.sampler != .adaptive else {
        throw CLIError(
          .badInput,
          "--extension: an adaptive sweep's added trials are proposals that cannot be told apart; use --holdout")
      }
      heldOutIDs = spec.trialIDs(addedByExtensionAt: index)
      // Fitted on what was known before: the trials of this extension and of later ones are out.
      for later in (index + 1)..<spec.extensions.count {
        heldOutIDs!.formUnion(spec.trialIDs(addedByExtensionAt: later))
      }
    }
    var table: [[String]] = [["domain", "trial_id", "predicted", "95% interval", "actual", "inside"]]
    var csvLines = ["domain,trial_id,predicted,lower,upper,actual,inside"]
    var summaries: [String] = []
    for name in spec.domains where domain == nil || domain == name {
      let usable = PredictionCheck.usableRecords(records, spec: spec, domain: name)
      let split =
        heldOutIDs.map { ids in
          (usable.filter { !ids.contains($0.trialID) }, usable.filter { ids.contains($0.trialID) })
        }
        ?? PredictionCheck.holdout(records, spec: spec, domain: name, fraction: holdout ?? 0.3, seed: seed)
      guard let check = PredictionCheck(spec: spec, domain: name, train: split.0, test: split.1) else {
        summaries.append(
          "\(name): nothing to check (\(split.0.count) trials to fit on, \(split.1.count) held out; needs 3 and 1)")
        continue
      }
      for row in check.rows {
        let interval = "\(Self.format(row.lower)) to \(Self.format(row.upper))"
        table.append([
          name, row.trialID, Self.format(row.predicted), interval, Self.format(row.actual), row.covered ? "yes" : "no",
        ])
        csvLines.append(
          [
            name, row.trialID, "\(row.predicted)", "\(row.lower)", "\(row.upper)", "\(row.actual)",
            row.covered ? "yes" : "no",
          ]
          .joined(separator: ","))
      }
      summaries.append(
        "\(name): \(check.rows.count) held out, fitted on \(check.trained); interval coverage "
          + "\(Int((check.coverage * 100).rounded()))% (nominal 95%), MAE \(Self.format(check.meanAbsoluteError)), "
          + "Spearman \(check.spearman.map(Self.format) ?? "—"), true best in predicted top 3: "
          + (check.bestInPredictedTopThree ? "yes" : "no"))
    }
    if table.count > 1 { for line in TextTable.render(table) { out.line(line) } }
    for line in summaries { out.line(line) }
    if let csv {
      do {
        try (csvLines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
      } catch {
        throw CLIError(.runtime, "\(csv): cannot write the table (\(error.localizedDescription))")
      }
    }
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
