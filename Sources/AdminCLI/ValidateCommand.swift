import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep validate SPEC`: checks a spec and summarises what it expands to.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a sweep spec and show the trials, shards and compute it expands to.",
    discussion: """
      Reports every problem at once as FILE:LINE:COL: key.path: message and exits 2 when there is \
      any. With --hourly-cost the summary includes what the estimated compute would cost at that rate.
      """)

  @Argument(help: "The spec file (YAML or JSON), or - for stdin.")
  var spec: String

  @Flag(help: "Print one JSON object instead of the human summary.")
  var json = false

  @Option(help: "Price one hour of compute at this many dollars (e.g. 0.30) in the estimate.")
  var hourlyCost: String?

  func run() throws {
    var rate: HourlyRate? = nil
    if let hourlyCost {
      do {
        rate = HourlyRate(perHour: try MicroDollars.parse(hourlyCost))
      } catch {
        throw CLIError(.badInput, "--hourly-cost: \(error.message)")
      }
    }
    let (spec, _) = try SpecFile.load(self.spec)
    let summary = ValidationSummary(plan: SweepPlan(spec: spec), rate: rate)
    var out = StandardOutput()
    if json {
      out.line(summary.json.serialized())
    } else {
      for line in summary.humanLines(file: self.spec) { out.line(line) }
    }
    out.flush()
    for warning in summary.warnings { StandardOutput.error("warning: \(warning)") }
  }
}

/// What `sweep validate` reports about a plan, in both its forms.
struct ValidationSummary {
  var plan: SweepPlan
  var rate: HourlyRate?

  var json: JSONValue {
    var entries: [(String, JSONValue)] = [
      ("name", .string(plan.spec.name)),
      ("domains", .array(plan.spec.domains.map(JSONValue.string))),
      ("trials_per_domain", .object(plan.samples.map { ($0.domain, .int(Int64($0.trials.count))) })),
      ("total_trials", .int(Int64(plan.totalTrials))),
      ("shards", .int(Int64(plan.shards.count))),
      ("estimate_hours", .double((plan.estimatedHours * 1000).rounded() / 1000)),
      ("sampler", .string(plan.spec.sampler.rawValue)),
      ("budget_usd", .string(plan.spec.budget.decimalString)),
      ("duplicates_removed", .object(plan.samples.map { ($0.domain, .int(Int64($0.duplicatesRemoved))) })),
    ]
    if let price = plan.spec.trialPrice?.perTrialAmount {
      entries.append(("trial_price_usd", .string(price.decimalString)))
      entries.append(("trials_price_usd", .string((price.times(plan.totalTrials) ?? MicroDollars(.max)).decimalString)))
    }
    if let rate {
      entries.append(("hourly_cost_usd", .string(MicroDollars(rate.microDollarsPerHour).decimalString)))
      entries.append(("estimate_cost_usd", .string(plan.estimatedCost(at: rate).decimalString)))
    }
    return .object(entries)
  }

  func humanLines(file: String) -> [String] {
    let spec = plan.spec
    let perDomain = plan.samples.map { "\($0.domain) (\($0.trials.count))" }.joined(separator: ", ")
    let minutes = Double(spec.estimatedTrialDuration.components.seconds) / 60
    var lines = [
      "\(file): valid sweep '\(spec.name)'",
      "  sampler     \(spec.sampler.rawValue), seed \(spec.seed)",
      "  domains     \(spec.domains.count): \(perDomain)",
      "  trials      \(plan.totalTrials) in \(plan.shards.count) shard\(plan.shards.count == 1 ? "" : "s") of up to \(spec.shardSize)"
        + (spec.replicates(inStage: 0) > 1
          ? " (\(plan.totalTrials / spec.replicates(inStage: 0)) configurations × \(spec.replicates(inStage: 0)) replicates)"
          : ""),
      "  estimate    \(formatHours(plan.estimatedHours)) compute hours at \(formatMinutes(minutes)) min per trial",
      "  budget      $\(spec.budget.decimalString)\(spec.budget == .zero ? " (free workers only)" : "")",
      "  objective   \(spec.objective.goal.rawValue) \(spec.objective.metric)",
    ]
    if let price = spec.trialPrice?.perTrialAmount {
      let all = price.times(plan.totalTrials) ?? MicroDollars(.max)
      lines.append(
        "  priced      $\(price.decimalString) per trial, $\(all.decimalString) for all \(plan.totalTrials)"
          + (all > spec.budget
            ? " — more than the budget: it pays for \(spec.budget.value / max(1, price.value)) of them" : "")
      )
    }
    if let rate {
      lines.append(
        "  cost        $\(plan.estimatedCost(at: rate).decimalString) at $\(MicroDollars(rate.microDollarsPerHour).decimalString)/h"
      )
    }
    lines += strategyLines
    return lines
  }

  /// What the strategies will add to the sampled trials (not in the counts above).
  var strategyLines: [String] {
    let spec = plan.spec
    var lines: [String] = []
    if spec.sampler == .adaptive, let adaptive = spec.adaptive, let total = spec.trialsPerDomain {
      lines.append(
        "  adaptive    \(adaptive.initial.rawValue) initial design above, then proposals up to \(total) per domain, \(adaptive.parallel) at a time"
          + (adaptive.warmStart.isEmpty ? "" : "; warm start from \(adaptive.warmStart.joined(separator: ", "))"))
    }
    if !spec.stages.isEmpty {
      let stages = spec.stages.map { stage in
        let overrides = stage.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.canonical)" }
        let top = stage.topK.map { "top \($0), " } ?? ""
        let runs = (stage.replicates ?? 1) > 1 ? " ×\(stage.replicates!) replicates" : ""
        return "\(stage.name) (\(top)\(overrides.joined(separator: ", ")))\(runs)"
      }
      lines.append("  stages      " + stages.joined(separator: " → "))
    }
    if let stopping = spec.earlyStopping {
      let rungs = ASHA(stopping).rungs(maxEpochs: nil).prefix(3).map(String.init).joined(separator: ", ")
      lines.append(
        "  stopping    ASHA on \(stopping.metric): rungs at epochs \(rungs), … below each trial's \(stopping.epochsParameter); best 1/\(stopping.reductionFactor) go on"
      )
    }
    if let transfer = spec.transfer {
      lines.append(
        "  transfer    \(transfer.source)'s top \(transfer.topK) run first in \(transfer.targets.joined(separator: ", ")), which wait for it"
      )
      if let refine = transfer.refine {
        lines.append(
          "              a target whose transferred best trails its own by more than \(refine.margin) gets \(refine.trials) more trials (up to \(refine.trials * transfer.targets.count) in all)"
        )
      }
    }
    return lines
  }

  var warnings: [String] {
    var warnings: [String] = []
    for sample in plan.samples where sample.duplicatesRemoved > 0 {
      warnings.append(
        "\(sample.domain): \(sample.duplicatesRemoved) duplicate configuration\(sample.duplicatesRemoved == 1 ? "" : "s") removed"
      )
    }
    if let wanted = plan.spec.trialsPerDomain, let distinct = plan.distinctConfigurations, wanted > distinct {
      warnings.append("trials_per_domain is \(wanted) but the space holds only \(distinct) distinct configurations")
    }
    return warnings
  }

  private func formatHours(_ hours: Double) -> String {
    hours == hours.rounded() ? String(Int(hours)) : String((hours * 100).rounded() / 100)
  }
  private func formatMinutes(_ minutes: Double) -> String {
    minutes == minutes.rounded() ? String(Int(minutes)) : String((minutes * 100).rounded() / 100)
  }
}
