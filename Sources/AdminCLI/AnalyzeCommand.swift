import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep analyze SWEEP [--domain D]`: the best configuration per domain, with the statistics.
struct AnalyzeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract:
      "Per domain: the best configuration, a confidence interval, a test against the runner-up, parameter importance.",
    discussion: """
      Uses each domain's first-stage results (the stage every configuration ran in). Each \
      configuration ran once, so the run-to-run noise comes from the Gaussian-process surrogate: \
      the interval and the test are a parametric bootstrap of its posterior (named in the output), \
      and importance is the share of the surrogate's variance each parameter explains alone \
      (first-order Sobol index). With few trials these are model-driven; the output says so. \
      With `replicates:` the statistics come from the replicates instead: per configuration the mean \
      and a 95% t-interval, the best against the next four by paired t-tests (replicate k of each \
      configuration ran on the same seed) with Holm's correction, importance of each parameter with \
      a bootstrap interval, and across domains a two-way analysis of variance whose interaction \
      says whether the best configuration depends on the domain.
      """)

  @OptionGroup var input: AnalysisInput
  @Option(help: "Only this domain.") var domain: String?
  @Option(help: "Seed of the bootstrap draws.") var seed: UInt64 = 1

  func run() async throws {
    let (spec, records) = try await input.load(domain: domain)
    var out = StandardOutput()
    let metric = spec.objective.metric
    let replicatedStage = spec.replicatedStage(in: records)
    for name in spec.domains where domain == nil || domain == name {
      if let replicated = ReplicateAnalysis(
        spec: spec, records: records, domain: name, stage: replicatedStage, seed: seed)
      {
        printReplicates(
          replicated, domain: name, stage: spec.stages.isEmpty ? nil : replicatedStage, spec: spec, out: &out)
        continue
      }
      let observations = spec.observations(records, domain: name)
      guard
        let analysis = SurrogateAnalysis(
          space: spec.space, stages: spec.stages, goal: spec.objective.goal, observations: observations)
      else {
        out.line("\(name): \(observations.count) succeeded trial(s); at least 3 are needed for any statistics")
        out.line("")
        continue
      }
      let comparison = analysis.compareBest(seed: seed)
      let best = observations[comparison.bestIndex]
      out.line("\(name): \(observations.count) trials")
      out.line("  best   \(describe(best.values, spec: spec))  \(metric) \(Self.format(best.objective))")
      out.line(
        "         95% interval of its true \(metric): \(Self.format(comparison.interval.lower)) to \(Self.format(comparison.interval.upper))"
      )
      if let runner = comparison.runnerUpIndex, let p = comparison.pValue {
        let second = observations[runner]
        out.line("  second \(describe(second.values, spec: spec))  \(metric) \(Self.format(second.objective))")
        out.line(
          "         best vs second: p = \(Self.format(p)) — \(p < 0.05 ? "significantly better at the 5% level" : "not significantly better at the 5% level")"
        )
        out.line("         test: \(SurrogateAnalysis.Comparison.testName), \(comparison.draws) draws")
      }
      out.line(
        "  noise  run-to-run standard deviation estimated at \(Self.format(analysis.model.noiseVariance.squareRoot()))")
      out.line("  importance (share of variance explained alone):")
      for (parameter, share) in analysis.importance(seed: seed).sorted(by: { $0.share > $1.share }) {
        out.line(
          "    \(parameter.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%5.1f", share * 100))%"
        )
      }
      if observations.count < 10 {
        out.line("  caution: \(observations.count) trials are few; the interval, test and importance lean on the model")
      }
      out.line("")
    }
    if domain == nil,
      let across = DomainInteraction(spec: spec, records: records, domains: spec.domains, stage: replicatedStage)
    {
      printInteraction(across, spec: spec, out: &out)
    }
    out.flush()
  }

  func printReplicates(
    _ analysis: ReplicateAnalysis, domain: String, stage: String?, spec: SweepSpec, out: inout StandardOutput
  ) {
    let metric = spec.objective.metric
    let runs = analysis.configurations.reduce(0) { $0 + $1.runs.count }
    let inStage = stage.map { ", stage \($0)" } ?? ""
    out.line(
      "\(domain): \(analysis.configurations.count) configurations, \(runs) runs\(inStage) (statistics from the replicates)"
    )
    func summary(_ c: ReplicateAnalysis.Configuration) -> String {
      let interval = c.interval.map { "95% interval \(Self.format($0.lower)) to \(Self.format($0.upper))" } ?? "one run"
      return "\(describe(c.values, spec: spec))  \(metric) mean \(Self.format(c.mean)) (\(interval), n=\(c.runs.count))"
    }
    out.line("  best   \(summary(analysis.configurations[0]))")
    for comparison in analysis.comparisons {
      let other = analysis.configurations[comparison.other]
      out.line("  #\(comparison.other + 1)     \(summary(other))")
      guard let p = comparison.pValue, let adjusted = comparison.adjustedPValue else {
        out.line("         paired test: fewer than 2 shared seeds")
        continue
      }
      let t = comparison.t.map { "t = \(String(format: "%.2f", $0)), " } ?? "the same difference on every seed, "
      out.line(
        "         best − #\(comparison.other + 1): \(Self.format(comparison.meanDifference)) over \(comparison.pairs) paired seeds, \(t)p \(Self.pValue(p)), Holm-adjusted \(Self.pValue(adjusted)) — \(adjusted < 0.05 ? "significantly better at the 5% level" : "not significantly better at the 5% level")"
      )
    }
    out.line("  importance (η² of configuration means, 95% bootstrap interval over configurations):")
    for item in analysis.importance.sorted(by: { $0.share > $1.share }) {
      out.line(
        "    \(item.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%5.1f", item.share * 100))%  (\(String(format: "%.1f", item.interval.lower * 100))–\(String(format: "%.1f", item.interval.upper * 100))%)"
      )
    }
    out.line("")
  }

  func printInteraction(_ across: DomainInteraction, spec: SweepSpec, out: inout StandardOutput) {
    let differs = across.pValue < 0.05
    out.line(
      "across domains (\(across.configurations) configurations each domain ran, \(across.runsPerCell) runs per domain): configuration × domain interaction F(\(across.df.interaction), \(across.df.error)) = \(String(format: "%.2f", across.f)), p \(Self.pValue(across.pValue)) — \(differs ? "the best configuration depends on the domain" : "no evidence that the best configuration depends on the domain")"
    )
    for best in across.bestPerDomain {
      out.line("  \(best.domain): best of those \(describe(best.values, spec: spec)) (mean \(Self.format(best.mean)))")
    }
    out.line("")
  }

  func describe(_ values: [ParameterValue], spec: SweepSpec) -> String {
    zip(spec.space, values).map { "\($0.0.name)=\($0.1.canonical)" }.joined(separator: " ")
  }

  static func format(_ value: Double) -> String { String(format: "%.4f", value) }

  /// "= 0.0312", or "< 0.0001" for what four decimals would show as zero.
  static func pValue(_ p: Double) -> String { p < 0.0001 ? "< 0.0001" : "= " + format(p) }
}
