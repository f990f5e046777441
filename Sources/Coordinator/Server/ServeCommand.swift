import ArgumentParser
import CommandLineSupport
import Foundation
import Hummingbird
import Logging
import Platform
import Shared

/// `sweep serve`: the coordinator.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the coordinator: lease trials to workers over HTTP, merge results, enforce the budget.",
    discussion: """
      All state lives in one SQLite database (WAL). Without --admin-token / --worker-token, tokens are \
      generated at first start and written once to DB.tokens (mode 0600); only their hashes are stored. \
      SIGTERM or Ctrl-C shuts down gracefully. Every flag can also be set as SWEEP_HOST, SWEEP_PORT, \
      SWEEP_DB, SWEEP_LEASE_TTL, SWEEP_MAX_BODY, SWEEP_ADMIN_TOKEN, SWEEP_WORKER_TOKEN.
      """)

  @Option(help: "Address to listen on (default 127.0.0.1; SWEEP_HOST).") var host: String?
  @Option(help: "Port to listen on, 0 for any free port (default 8080; SWEEP_PORT).") var port: Int?
  @Option(help: "SQLite database file (default ./sweep.db; SWEEP_DB).") var db: String?
  @Option(help: "Seconds a lease lives without a heartbeat (default 60; SWEEP_LEASE_TTL).") var leaseTtl: Int?
  @Option(help: "Largest request body in bytes (default 1048576; SWEEP_MAX_BODY).") var maxBody: Int?
  @Option(help: "Admin token (SWEEP_ADMIN_TOKEN); generated at first start if absent.") var adminToken: String?
  @Option(help: "Worker join token (SWEEP_WORKER_TOKEN); generated at first start if absent.") var workerToken: String?
  @Option(help: "Read-only dashboard token (SWEEP_VIEWER_TOKEN); generated at first start if absent.")
  var viewerToken: String?
  @Option(help: "Write the port actually bound to this file once listening (for scripts using --port 0).")
  var portFile: String?
  @Option(help: "PEM certificate chain: serve HTTPS (SWEEP_TLS_CERT; needs --tls-key).") var tlsCert: String?
  @Option(help: "PEM private key of --tls-cert (SWEEP_TLS_KEY).") var tlsKey: String?
  @Option(
    help: ArgumentHelp(
      "auto: serve HTTPS with a certificate authority of this coordinator's own, kept next to the database (SWEEP_TLS).",
      discussion:
        "Makes DB.tls/ca.pem and a server certificate for --tls-name (and localhost, 127.0.0.1, ::1, this machine's name, --host), reused at each start; prints the CA's fingerprint and the one line a box installs with (its key pinned). docs/security.md."
    ))
  var tls: String?
  @Option(
    name: .customLong("tls-name"),
    help: "A host name or IP address the --tls auto certificate covers, as boxes reach this coordinator (repeatable).")
  var tlsNames: [String] = []
  @Option(
    help: ArgumentHelp(
      "A cap across all sweeps on this coordinator, in dollars (SWEEP_BUDGET_USD); each sweep's own budget nests under it.",
      discussion: "Kept in the database; `sweep budget` shows and changes it. Without this option the stored one stays."
    ))
  var budgetUsd: String?
  @Option(help: "With --budget-usd: total (default) or month (30 days from when it is set, then the next 30).")
  var budgetPeriod: String?
  @Option(help: "Folder for uploaded output folders (default: next to the database, DB-artifacts; SWEEP_ARTIFACTS).")
  var artifacts: String?
  @Option(
    name: .customLong("worker-binary"),
    help:
      "A sweep-worker executable that GET /install.sh installs (repeat for several platforms; SWEEP_WORKER_BINARY). Default: each ./dist/sweep-worker-PLATFORM (sweep worker-binary build), else ./.build-static/release/sweep-worker, else the sweep-worker next to this sweep (one per platform)."
  )
  var workerBinaries: [String] = []

  func run() async throws {
    var configuration = CoordinatorServer.Configuration()
    configuration.host = EnvironmentOption.string(host, "SWEEP_HOST") ?? "127.0.0.1"
    configuration.port = try EnvironmentOption.int(port, "SWEEP_PORT", default: 8080, range: 0...65535, name: "--port")
    configuration.databasePath = EnvironmentOption.string(db, "SWEEP_DB") ?? "./sweep.db"
    configuration.leaseTTL = .seconds(
      try EnvironmentOption.int(leaseTtl, "SWEEP_LEASE_TTL", default: 60, range: 3...86_400, name: "--lease-ttl"))
    configuration.maxBodyBytes = try EnvironmentOption.int(
      maxBody, "SWEEP_MAX_BODY", default: 1 << 20, range: 1024...(256 << 20), name: "--max-body")
    configuration.adminToken = EnvironmentOption.string(adminToken, "SWEEP_ADMIN_TOKEN")
    configuration.workerToken = EnvironmentOption.string(workerToken, "SWEEP_WORKER_TOKEN")
    configuration.viewerToken = EnvironmentOption.string(viewerToken, "SWEEP_VIEWER_TOKEN")
    configuration.tlsCertificatePath = EnvironmentOption.string(tlsCert, "SWEEP_TLS_CERT")
    configuration.tlsKeyPath = EnvironmentOption.string(tlsKey, "SWEEP_TLS_KEY")
    configuration.artifactsPath = EnvironmentOption.string(artifacts, "SWEEP_ARTIFACTS")
    let explicitWorkers =
      workerBinaries.isEmpty
      ? ProcessInfo.processInfo.environment["SWEEP_WORKER_BINARY"].map { [$0] } ?? [] : workerBinaries
    configuration.workerBinaryPaths =
      explicitWorkers.isEmpty ? Self.defaultWorkers() : explicitWorkers
    var outerBudget: SetCoordinatorBudget? = nil
    if let text = EnvironmentOption.string(budgetUsd, "SWEEP_BUDGET_USD") {
      let amount: MicroDollars
      do { amount = try MicroDollars.parse(text) } catch {
        throw CLIError(.badInput, "--budget-usd: \(error.message)")
      }
      guard let period = OuterBudget.Period(rawValue: budgetPeriod ?? "total") else {
        throw CLIError(.badInput, "--budget-period: '\(budgetPeriod ?? "")' is not total or month")
      }
      outerBudget = SetCoordinatorBudget(budgetUsd: DollarAmount(amount), period: period)
    } else if budgetPeriod != nil {
      throw CLIError(.badInput, "--budget-period: only with --budget-usd")
    }
    if (configuration.tlsCertificatePath == nil) != (configuration.tlsKeyPath == nil) {
      throw CLIError(.badInput, "--tls-cert and --tls-key go together: give both to serve HTTPS, or neither")
    }
    var autoTLS: AutoTLS.Identity? = nil
    switch EnvironmentOption.string(tls, "SWEEP_TLS") {
    case nil:
      if !tlsNames.isEmpty { throw CLIError(.badInput, "--tls-name: only with --tls auto") }
    case "auto"?:
      guard configuration.tlsCertificatePath == nil else {
        throw CLIError(.badInput, "--tls auto makes its own certificate: drop --tls-cert and --tls-key, or --tls auto")
      }
      let tls = AutoTLS(databasePath: configuration.databasePath)
      do {
        autoTLS = try tls.ensure(names: AutoTLS.defaultNames(host: configuration.host) + tlsNames)
      } catch {
        throw CLIError(.badInput, error.description)
      }
      configuration.tlsCertificatePath = tls.certificatePath
      configuration.tlsKeyPath = tls.keyPath
      configuration.certificateAuthority = autoTLS?.caPEM
    case let other?:
      throw CLIError(.badInput, "--tls: expected auto, got '\(other)' (your own certificate: --tls-cert and --tls-key)")
    }
    var logger = Logger(label: "sweep.serve")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    let server: CoordinatorServer
    do {
      server = try await CoordinatorServer.prepare(configuration)
    } catch let error as CLIError {
      throw error
    } catch let error as WorkerBinary.LoadError {
      throw CLIError(.badInput, error.description)
    } catch {
      throw CLIError(.runtime, "\(configuration.databasePath): cannot open the database: \(error)")
    }
    if let outerBudget {
      // Set again only when it changed: a restart must not restart a monthly period.
      let now = server.clock.now
      let stored = try await server.store.outerBudget(now: now)
      if stored.budgetUsd != outerBudget.budgetUsd || stored.period != outerBudget.period {
        _ = try await server.store.setOuterBudget(outerBudget, now: now)
      }
      logger.notice(
        "coordinator budget: $\(outerBudget.budgetUsd?.micros.decimalString ?? "") \(outerBudget.period == .month ? "a month" : "in total"), across all sweeps"
      )
    }
    for binary in server.environment.workerBinaries {
      logger.notice(
        "installing workers: GET /install.sh serves \(binary.path) for \(binary.platform) (sha256 \(binary.sha256.prefix(16))…)"
      )
    }
    if let autoTLS {
      logger.notice(
        "TLS: \(autoTLS.issued ? "issued" : "reusing") a certificate for \(autoTLS.names.joined(separator: ", ")) signed by this coordinator's CA \(AutoTLS(databasePath: configuration.databasePath).caCertificatePath) (SHA-256 fingerprint \(autoTLS.caFingerprint)); boxes install with: curl -fsSL --insecure --pinnedpubkey '\(autoTLS.pin)' https://HOST:PORT/install.sh | sh -s -- --token …"
      )
    }
    if let written = server.tokens.writtenTo {
      logger.notice("generated tokens written to \(written) (mode 0600); only their hashes are stored")
    }
    let portFile = self.portFile
    let host = configuration.host
    let databasePath = configuration.databasePath
    let runningLogger = logger
    let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
    let app = try server.application(logger: logger) { port in
      runningLogger.notice("coordinator listening on \(scheme)://\(host):\(port) (database \(databasePath))")
      // For the person at the terminal, like Jupyter's link: open it to log in. Into a file or a
      // pipe (a log) the token stays out: tokens are never logged.
      let viewHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
      let base = "\(scheme)://\(viewHost):\(port)"
      var out = StandardOutput()
      if Descriptors.isTerminal(1) {
        out.line("dashboard: \(server.dashboardURL(base: base))")
      } else {
        out.line(
          "dashboard: \(base)/login (log in with SWEEP_ADMIN_TOKEN or the read-only SWEEP_VIEWER_TOKEN from \(TokensFile.path(forDatabase: databasePath)))"
        )
      }
      out.flush()
      if let portFile { try? String(port).write(toFile: portFile, atomically: true, encoding: .utf8) }
    }
    do {
      try await app.runService()
    } catch {
      throw CLIError(.runtime, "the coordinator stopped: \(error)")
    }
    if let sqlite = server.store as? SQLiteStore { try? await sqlite.shutdown() }
  }

  /// What `sweep worker-binary build` made (`./dist/sweep-worker-PLATFORM`: built for boxes), the
  /// static recipe's `./.build-static/release/sweep-worker`, then the `sweep-worker` next to this
  /// `sweep`: the first of each platform.
  static func defaultWorkers() -> [String] {
    let built =
      ((try? FileManager.default.contentsOfDirectory(atPath: "dist")) ?? []).filter {
        $0.hasPrefix("sweep-worker-")
      }.sorted().map { "dist/" + $0 }
    var chosen: [String: String] = [:]
    // The recipe by hand leaves it in .build-static (deploy/README.md).
    let byHand = ".build-static/release/sweep-worker"
    for path in built + [byHand] + [siblingWorker()].compactMap({ $0 }) {
      guard let platform = WorkerBinary.platform(ofFile: path), chosen[platform] == nil else { continue }
      chosen[platform] = path
    }
    return chosen.keys.sorted().map { chosen[$0]! }
  }

  /// The `sweep-worker` built or installed next to this `sweep`, when it is one the installer can serve.
  static func siblingWorker() -> String? {
    guard let executable = Bundle.main.executablePath else { return nil }
    let path = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
      .appendingPathComponent("sweep-worker").path
    return WorkerBinary.platform(ofFile: path) != nil ? path : nil
  }
}
