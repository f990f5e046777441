import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep submit SPEC`: sends a spec to the coordinator and prints the new sweep's id.
struct SubmitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit", abstract: "Submit a sweep spec to the coordinator; prints the new sweep id alone on stdout.")

  @Argument(help: "The spec file (YAML or JSON), or - for stdin.") var spec: String
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let (spec, text) = try SpecFile.load(self.spec)
    let client = try admin.client()
    let json = DocumentFormat.detect(fileName: self.spec, text: text) == .json
    let reply = try await client.send(
      .POST, "/v1/sweeps", body: text, contentType: json ? "application/json" : "application/yaml")
    let created = try client.decode(SweepCreated.self, reply)
    var out = StandardOutput()
    out.line(created.id)
    out.flush()
    StandardOutput.error(
      "submitted '\(spec.name)': \(created.totalTrials) trials in \(created.shards) shards, budget $\(spec.budget.decimalString)"
    )
  }
}
