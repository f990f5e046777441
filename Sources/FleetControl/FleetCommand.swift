import AdminCLI
import ArgumentParser
import CommandLineSupport
import Coordinator
import Foundation
import Logging
import Platform
import ServiceLifecycle
import Shared
import Simulation

/// `sweep fleet up|plan SWEEP --fleet FILE`: boxes rented and given back as a sweep's deadline and
/// budget need them (docs/fleet.md).
public struct FleetCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "fleet",
    abstract: "Rent and stop boxes for a sweep as its deadline and budget need (docs/fleet.md).",
    subcommands: [FleetUpCommand.self, FleetPlanCommand.self])

  public init() {}
}

/// What `up` and `plan` share: the sweep, the fleet file, and how the simulation is run.
struct FleetOptions: ParsableArguments {
  @Argument(help: "The sweep's id (sweep status lists them).") var sweep: String
  @Option(help: "The fleet file: groups with provider, price, count; deadline (docs/fleet.md).") var fleet: String
  @Option(help: "Lease TTL of the coordinator in seconds, for the simulation (default 60).") var leaseTtl: Int = 60

  func load() throws(CLIError) -> FleetSpec {
    let spec = try FleetFile.load(fleet)
    guard spec.groups.contains(where: { $0.provider != nil }) else {
      throw CLIError(
        .badInput,
        "\(fleet): no group has a provider, so there is nothing to rent; give a group provider: local, runpod, vastai, skypilot or command"
      )
    }
    return spec
  }
}

/// `sweep fleet up`.
struct FleetUpCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Start and stop the fleet's boxes for a sweep until it is over; Ctrl-C stops every box.",
    discussion: """
      Every replan_every (and when a box's worker leaves), simulates the rest of the sweep on each \
      mix of the fleet's boxes — the coordinator's scheduler on virtual time, with the durations the \
      sweep measured — and runs the cheapest mix that finishes by the deadline within the budget \
      left; none when no mix does. Every up and down, with its output, goes to LOG-DIR/fleet.log. \
      Boxes bill the sweep from the moment they were started (their workers declare it) until they \
      are given back (their workers are then deregistered). The fleet file is read again before \
      each plan: change its deadline, counts or prices while it runs.
      """)

  @OptionGroup var options: FleetOptions
  @OptionGroup var admin: AdminOptions
  @Option(help: "The coordinator's URL as rented boxes reach it (default: --coordinator).") var boxCoordinator: String?
  @Option(
    help:
      "A join token for the boxes (SWEEP_WORKER_TOKEN); default: one minted for this fleet, revoked when it ends.")
  var workerToken: String?
  @Option(help: "The coordinator's database: DB.tls holds the key pin of a --tls auto coordinator.")
  var db: String = "./sweep.db"
  @Option(help: "Folder of fleet.log and each box's files (default ./fleet-SWEEP).") var logDir: String?

  func run() async throws {
    let fleet = try options.load()
    let client = try admin.client()
    var boxURL = boxCoordinator ?? client.baseURL
    while boxURL.hasSuffix("/") { boxURL.removeLast() }
    let remote = fleet.groups.contains { $0.provider != nil && $0.provider != .local }
    if remote && boxCoordinator == nil && (boxURL.contains("://127.") || boxURL.contains("://localhost")) {
      throw CLIError(
        .badInput,
        "--box-coordinator: rented boxes cannot reach \(boxURL); give the coordinator's address as they see it (deploy/README.md: reaching a laptop)"
      )
    }
    let view = FleetSweepView(client: client, sweepID: options.sweep)
    _ = try await view.read(fleet: fleet)  // a wrong sweep id or token fails here, before anything is rented
    let log = try FleetLog(folder: logDir ?? "./fleet-\(options.sweep)")
    let policy = try FleetFile.policy(ttl: options.leaseTtl)
    // The boxes join with a token of this fleet's own unless given one: it goes into providers'
    // consoles (a pod's environment), and is revoked when the fleet ends.
    var minted: JoinTokenSummary? = nil
    let token: String
    if let given = EnvironmentOption.string(workerToken, "SWEEP_WORKER_TOKEN") {
      token = given
    } else {
      let made = try await JoinTokens.mint(client: client, expires: "30d", label: "sweep fleet up \(options.sweep)")
      guard let secret = made.token else { throw CLIError(.runtime, "the coordinator minted no join token") }
      log.line(
        "fleet \(fleet.name): boxes join with token \(made.id) (expires \(made.expiresAt); revoked when the fleet ends)"
      )
      minted = made
      token = secret
    }
    let local = LocalBoxes(
      executable: ProcessControl.executablePath() ?? CommandLine.arguments[0], coordinator: client.baseURL,
      token: token, log: log,
      maxIdle: fleet.maxIdle, caCertificate: EnvironmentOption.string(admin.caCert, "SWEEP_CA_CERT"))
    // A coordinator with a CA of its own (`--tls auto`): boxes fetch the installer with its key pinned.
    let pin = boxURL.hasPrefix("https://") ? TLSPin.read(forDatabase: db) : nil
    let shell = ShellBoxes(coordinator: boxURL, token: token, pin: pin, log: log)
    var launchers: [String: any BoxLauncher] = [:]
    for group in fleet.groups {
      switch group.provider {
      case nil: continue
      case .local?: launchers[group.name] = local
      case _?: launchers[group.name] = shell
      }
    }
    log.line("fleet \(fleet.name) for sweep \(options.sweep): log \(log.path)")
    let controller = FleetController(
      fleet: fleet, view: view, log: log, clock: SystemWallClock(), leasePolicy: policy, launchers: launchers,
      exits: [local.exits], reload: { [path = options.fleet] () throws(CLIError) in try FleetFile.load(path) })
    var logger = Logger(label: "sweep-fleet")
    logger.logLevel = .warning
    let group = ServiceGroup(
      configuration: .init(
        services: [.init(service: controller, successTerminationBehavior: .gracefullyShutdownGroup)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
    if let minted {
      // Workers that joined keep their own credentials; no new box joins with it.
      do {
        _ = try await client.send(.DELETE, "/v1/join-tokens/\(minted.id)")
        log.line("fleet \(fleet.name): join token \(minted.id) revoked")
      } catch {
        log.line(
          "fleet \(fleet.name): cannot revoke join token \(minted.id) (\(error.lines.joined(separator: "; "))): sweep join-token revoke \(minted.id)"
        )
      }
    }
    if controller.outcome == .interrupted { throw CLIError(.runtime, "interrupted: every box was stopped") }
  }
}

/// `sweep fleet plan`: the plan `up` would make now, with every mix it simulated; starts nothing.
struct FleetPlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Print the mix of boxes `sweep fleet up` would run now, and every mix it compared; starts nothing.")

  @OptionGroup var options: FleetOptions
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let fleet = try options.load()
    let view = FleetSweepView(client: try admin.client(), sweepID: options.sweep)
    let reading = try await view.read(fleet: fleet)
    let status = reading.status
    let budgetLeft = reading.budgetLeft
    let timeLeft: Duration? = fleet.deadline.map {
      max(.zero, $0.time(startedAt: SystemWallClock().now).since(SystemWallClock().now))
    }
    let planner = FleetPlanner(spec: reading.spec, fleet: fleet, policy: try FleetFile.policy(ttl: options.leaseTtl))
    let plan = try await planner.plan(
      .init(
        remainingTrials: reading.remainingTrials, budgetLeft: budgetLeft, timeLeft: timeLeft,
        measured: reading.measured))
    var rows = [["MIX", "FINISHES IN", "COST", "FINISHES", "WITHIN BUDGET", "BY DEADLINE"]]
    for estimate in plan.estimates.sorted(by: { ($0.cost, $0.finishedIn) < ($1.cost, $1.finishedIn) }) {
      rows.append([
        estimate.mix.description, FleetFile.human(estimate.finishedIn), "$" + estimate.cost.decimalString,
        estimate.finishes ? "yes" : "no", estimate.cost <= budgetLeft ? "yes" : "no",
        timeLeft.map { estimate.finishedIn <= $0 ? "yes" : "no" } ?? "-",
      ])
    }
    var out = StandardOutput()
    out.line(
      "sweep \(status.id): \(reading.remainingTrials) trials left, $\(budgetLeft.decimalString) of budget left\(timeLeft.map { ", deadline in \(FleetFile.human($0))" } ?? "")"
    )
    for line in TextTable.render(rows) { out.line(line) }
    out.line("plan: \(plan.decision.reason)")
    out.flush()
  }
}
