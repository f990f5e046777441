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
      (first-order Sobol index). With few trials these are model-driven; the output says so.
      """)

  @OptionGroup var input: AnalysisInput
  @Option(help: "Only this domain.") var domain: String?
  @Option(help: "Seed of the bootstrap draws.") var seed: UInt64 = 1

  func run() async throws {
    let (spec, records) = try await input.load(domain: domain)
    var out = StandardOutput()
    let metric = spec.objective.metric
    for name in spec.domains where domain == nil || domain == name {
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
    out.flush()
  }

  func describe(_ values: [ParameterValue], spec: SweepSpec) -> String {
    zip(spec.space, values).map { "\($0.0.name)=\($0.1.canonical)" }.joined(separator: " ")
  }

  static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
