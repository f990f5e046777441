import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep deploy TARGET`: a ready recipe for a place GPUs are rented, filled in for this
/// coordinator (deploy/README.md walks through each).
struct DeployCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "deploy",
    abstract:
      "Print a ready recipe that makes workers of rented GPUs: docker, cloud-init, systemd, skypilot, kubernetes, slurm.",
    discussion: """
      Every recipe installs the worker through the coordinator's one-line installer \
      (GET /install.sh), so start sweep serve where the boxes can reach it, with the worker it should \
      hand out (--worker-binary). --template prints the recipe with {PLACEHOLDERS} instead, as kept in deploy/.

        sweep deploy docker --coordinator https://coord.example:8080 --hourly-cost 0.44 --provider runpod > Dockerfile
        sweep deploy slurm --coordinator http://login-node:8080 --workers 8 --gpus 1 > sweep-worker.sbatch
        sweep deploy docker --coordinator https://coord.example:8080 --expires 24h > Dockerfile

      Each recipe gets a join token of its own that expires (7 days by default, --expires), minted \
      through the admin API (SWEEP_ADMIN_TOKEN, else --db's tokens file); --token puts a given one in \
      instead.
      """)

  @Argument(help: "docker, cloud-init, systemd, skypilot, kubernetes or slurm.") var target: String
  @Option(help: "The coordinator's URL as the boxes reach it (SWEEP_COORDINATOR).") var coordinator: String?
  @Option(help: "A join token to put in the recipe as it is (SWEEP_WORKER_TOKEN); default: mint one that expires.")
  var token: String?
  @Option(help: "The coordinator's database: its tokens file holds the admin token, DB.tls its CA and key pin.")
  var db: String = "./sweep.db"
  @Option(help: "What an hour of one box costs, in dollars.") var hourlyCost: String = "0"
  @Option(help: "local, runpod, vast, lambda, colab or other.") var provider: String = "other"
  @Option(help: "Trials one worker runs at once.") var slots: Int = 1
  @Option(help: "Workers (Kubernetes pods, Slurm array tasks, SkyPilot nodes).") var workers: Int = 1
  @Option(help: "GPUs per worker (Kubernetes, Slurm).") var gpus: Int = 1
  @Option(
    help:
      "The coordinator's key pin for curl, sha256//… (SWEEP_TLS_PIN; default: --db's, when sweep serve --tls auto made one and --coordinator is https)."
  )
  var pin: String?
  @Option(
    help: ArgumentHelp(
      "How long the join token minted for this recipe works (60s to 30d; default 7d). Without --token, every recipe gets a fresh one.",
      discussion:
        "Asks the coordinator at --admin-url (default --coordinator) with the admin token (SWEEP_ADMIN_TOKEN, else --db's tokens file) and its CA (SWEEP_CA_CERT, else --db's DB.tls/ca.pem). Revoke it with sweep join-token revoke."
    ))
  var expires: String?
  @Option(help: "Where this machine reaches the coordinator's admin API, for --expires (default --coordinator).")
  var adminUrl: String?
  @Flag(help: "Print the recipe with {PLACEHOLDERS} (as in deploy/).") var template = false

  func validate() throws {
    guard DeployRecipes.Target(rawValue: target) != nil else {
      let names = DeployRecipes.Target.allCases.map(\.rawValue)
      let hint = Identifier.suggestion(for: target, among: names).map { "; did you mean '\($0)'?" } ?? ""
      throw ValidationError("unknown target '\(target)'\(hint); expected one of \(names.joined(separator: ", "))")
    }
    guard (1...256).contains(slots) else { throw ValidationError("--slots: expected 1 to 256") }
    guard (1...10_000).contains(workers) else { throw ValidationError("--workers: expected 1 to 10000") }
    guard (0...64).contains(gpus) else { throw ValidationError("--gpus: expected 0 to 64") }
    do { _ = try MicroDollars.parse(hourlyCost) } catch { throw ValidationError("--hourly-cost: \(error.message)") }
    guard ["local", "runpod", "vast", "lambda", "colab", "other"].contains(provider) else {
      throw ValidationError("--provider: expected local, runpod, vast, lambda, colab or other")
    }
  }

  func run() async throws {
    let recipe = DeployRecipes.Target(rawValue: target)!
    var values = DeployRecipes.Values()
    if !template {
      guard var url = EnvironmentOption.string(coordinator, "SWEEP_COORDINATOR") else {
        throw CLIError(
          .badInput,
          "--coordinator: the coordinator's URL as the boxes reach it (not 127.0.0.1), e.g. https://coord.example:8080")
      }
      while url.hasSuffix("/") { url.removeLast() }
      guard url.hasPrefix("http://") || url.hasPrefix("https://"),
        url.dropFirst(url.hasPrefix("https://") ? 8 : 7).allSatisfy({
          $0.isLetter || $0.isNumber || ".-:[]".contains($0)
        })
      else { throw CLIError(.badInput, "--coordinator: '\(url)' is not an http(s) URL of a host and port") }
      // A token given is used as it is; else the recipe gets a fresh one that expires, so a template
      // others can read does not carry the coordinator's own, unending join token.
      let joinToken: String
      if let given = EnvironmentOption.string(token, "SWEEP_WORKER_TOKEN") {
        guard expires == nil else {
          throw CLIError(.badInput, "--token and --expires: give one (--expires mints a token for the recipe)")
        }
        joinToken = given
      } else {
        joinToken = try await mintJoinToken(expires: expires ?? "7d", boxURL: url)
      }
      guard joinToken.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
        throw CLIError(.badInput, "--token: a join token holds letters, digits, '-', '_' and '.' only")
      }
      var pinned = EnvironmentOption.string(pin, "SWEEP_TLS_PIN")
      if let pinned, !TLSPin.isValid(pinned) {
        throw CLIError(.badInput, "--pin: expected sha256// and a base64 digest, as sweep serve --tls auto prints it")
      }
      if pinned == nil, url.hasPrefix("https://") { pinned = TLSPin.read(forDatabase: db) }
      values = DeployRecipes.Values(
        coordinator: url, token: joinToken, hourlyCost: hourlyCost, provider: provider, slots: String(slots),
        workers: String(workers), gpus: String(gpus), pin: pinned)
    }
    var out = StandardOutput()
    let text = DeployRecipes.render(recipe, values)
    out.line(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    out.flush()
  }
}

extension DeployCommand {
  /// A join token for this recipe that expires, minted through the admin API; its id and expiry go
  /// to standard error (the recipe goes to standard output).
  func mintJoinToken(expires: String, boxURL: String) async throws(CLIError) -> String {
    var url = adminUrl ?? boxURL
    while url.hasSuffix("/") { url.removeLast() }
    let fromFile = TokensFile.read(TokensFile.path(forDatabase: db))["SWEEP_ADMIN_TOKEN"]
    guard let adminToken = EnvironmentOption.string(nil, "SWEEP_ADMIN_TOKEN") ?? fromFile else {
      throw CLIError(
        .badInput, "--expires needs the admin token: set SWEEP_ADMIN_TOKEN (sweep serve wrote it to \(db).tokens)")
    }
    let ownCA = TLSPin.folder(forDatabase: db) + "/ca.pem"
    let authority =
      EnvironmentOption.string(nil, "SWEEP_CA_CERT")
      ?? (url.hasPrefix("https://") && FileManager.default.fileExists(atPath: ownCA) ? ownCA : nil)
    let client = AdminClient(
      baseURL: url, token: adminToken, http: AdminClient.httpClient(caCertificate: authority))
    let minted: JoinTokenSummary
    do {
      minted = try await JoinTokens.mint(client: client, expires: expires, label: "sweep deploy \(target)")
    } catch {
      throw CLIError(
        error.kind,
        error.lines + [
          "(sweep deploy mints a join token for the recipe at \(url); start sweep serve, give --admin-url, or pass --token to use one you have)"
        ])
    }
    StandardOutput.error(
      "join token \(minted.id) for this recipe expires at \(minted.expiresAt) (sweep join-token revoke \(minted.id))")
    guard let token = minted.token else { throw CLIError(.runtime, "the coordinator minted no token") }
    return token
  }
}
