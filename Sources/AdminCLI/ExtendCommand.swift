import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep extend SWEEP`: more trials, more domains, more budget or attempts for a sweep that
/// exists — its design continued, its results kept, a completed sweep reopened.
struct ExtendCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extend",
    abstract: "Grow a sweep: add trials to its domains, add domains, raise its budget or attempts.",
    discussion: """
      New trials continue each domain's design (a Latin hypercube stays space-filling over old and \
      new points together), so results, ranking and exports cover the whole sweep. A completed sweep \
      runs again. Sending the same --id again does nothing more; retry with it after a lost reply.

        sweep extend sw-1a2b3c --trials 20                       # 20 more in every domain
        sweep extend sw-1a2b3c --trials 10 --domain legal         # only legal
        sweep extend sw-1a2b3c --add-domain medical --budget-usd 40
      """)

  @Argument(help: "The sweep id.") var sweep: String
  @Option(help: "Trials to add to each domain of --domain (every domain without --domain).") var trials: Int?
  @Option(name: .customLong("domain"), help: "A domain that gets --trials more (repeat for several).")
  var domains: [String] = []
  @Option(
    name: .customLong("add-domain"),
    help: "A domain to add (repeat for several); transfer targets it if the sweep transfers.")
  var addDomains: [String] = []
  @Option(help: "Trials per added domain (default: the spec's trials_per_domain).") var newDomainTrials: Int?
  @Option(name: .customLong("budget-usd"), help: "The sweep's new total budget in dollars (only raised).")
  var budgetUsd: String?
  @Option(help: "Attempts per trial from now on (only raised).") var maxAttempts: Int?
  @Option(
    name: .customLong("id"), help: "The extension's id (default: a new one, printed); the same id is applied once.")
  var extensionID: String?
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    if let trials, trials < 1 { throw ValidationError("--trials: expected a number ≥ 1, got \(trials)") }
    if !domains.isEmpty && trials == nil { throw ValidationError("--domain needs --trials: how many to add there") }
    if let budgetUsd {
      do { _ = try MicroDollars.parse(budgetUsd) } catch { throw ValidationError("--budget-usd: \(error.message)") }
    }
    if trials == nil && addDomains.isEmpty && budgetUsd == nil && maxAttempts == nil {
      throw ValidationError("nothing to extend; give --trials, --add-domain, --budget-usd or --max-attempts")
    }
  }

  func run() async throws {
    let client = try admin.client()
    var generator = SystemRandomNumberGenerator()
    let id = extensionID ?? "ext-" + String(generator.next() & 0xFF_FFFF_FFFF, radix: 16)
    let request = ExtendSweepRequest(
      extensionId: id, trialsPerDomain: trials, domains: domains.isEmpty ? nil : domains,
      addDomains: addDomains.isEmpty ? nil : addDomains, newDomainTrials: newDomainTrials,
      budgetUsd: try budgetUsd.map { DollarAmount(try MicroDollars.parse($0)) }, maxAttempts: maxAttempts)
    let body = String(decoding: try WireCoding.encoder().encode(request), as: UTF8.self)
    let extended = try client.decode(
      SweepExtended.self, try await client.send(.POST, "/v1/sweeps/\(sweep)/extend", body: body))
    var out = StandardOutput()
    if extended.replayed {
      out.line("\(sweep): extension \(id) was already applied; nothing more was added")
    } else {
      let duplicates =
        extended.duplicatesRemoved > 0
        ? " (\(extended.duplicatesRemoved) drawn configurations were already in the sweep)" : ""
      out.line(
        "\(sweep): extension \(id) added \(extended.addedTrials) trials in \(extended.shards) shards\(duplicates)")
    }
    out.flush()
  }
}
