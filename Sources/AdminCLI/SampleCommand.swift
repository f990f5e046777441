import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep sample SPEC`: prints the trials a spec expands to, one JSON object per line.
struct SampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample",
    abstract: "Print the trials of a sweep spec as JSON lines: domain, trial_id, params, argv.",
    discussion: "The same spec and seed always print the same trials with the same ids.")

  @Argument(help: "The spec file (YAML or JSON), or - for stdin.")
  var spec: String

  @Option(help: "Only this domain's trials.")
  var domain: String?

  func run() throws {
    let (spec, _) = try SpecFile.load(self.spec)
    let domains: [String]
    if let domain {
      guard spec.domains.contains(domain) else {
        throw CLIError(
          .badInput,
          "--domain: no domain '\(domain)' in \(self.spec); expected one of \(spec.domains.joined(separator: ", "))")
      }
      domains = [domain]
    } else {
      domains = spec.domains
    }
    var out = StandardOutput()
    for domain in domains {
      for trial in DomainSampler.sample(spec, domain: domain).trials { out.line(trial.json.serialized()) }
    }
    out.flush()
  }
}
