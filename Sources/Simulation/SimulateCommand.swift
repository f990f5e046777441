import ArgumentParser
import CommandLineSupport
import Coordinator
import Foundation
import Shared
import SpecReading

/// `sweep simulate SPEC --fleet FLEET`: one sweep on a simulated fleet, on virtual time.
struct SimulateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Run a sweep on a simulated fleet (virtual time) and report its makespan and cost.",
    discussion: """
      The simulation runs the coordinator's own store — grants, heartbeats, allowances, the \
      ledger, results and the reaper — on a virtual clock, with trial durations, failures and \
      preemptions drawn from the fleet file's seed. See docs/simulation.md for the fleet file.
      """)

  @Argument(help: "The spec file (YAML or JSON).") var spec: String?
  @Option(help: "The fleet file (YAML or JSON): groups of machines with price, speed, preemption.") var fleet: String?
  @Option(help: "Lease TTL in seconds, as `sweep serve --lease-ttl` (default 60).") var leaseTtl: Int = 60
  @Option(
    help: ArgumentHelp(
      "Where the simulated coordinator keeps its state: memory or sqlite.",
      discussion:
        "Default: memory (fast enough for a million trials). Both run the same scheduler and give the same report; sqlite is the server's own store, on a throwaway file."
    ))
  var store: String?
  @Flag(help: "Print one JSON object instead of the table.") var json = false
  @Flag(
    help: ArgumentHelp(
      "Instead of a sweep: compare the sweep strategies on the reference trainer (docs/strategies.md).",
      discussion: "Takes no spec or fleet; --seeds, --workers and --trials shape it."))
  var strategyStudy = false
  @Option(help: "Strategy study: seeds per strategy.") var seeds: Int = 5
  @Option(help: "Strategy study: simulated workers.") var workers: Int = 4
  @Option(help: "Strategy study: trials per domain of the sampled strategies.") var trials: Int = 30
  @Option(help: "Strategy study: also write every learning curve of the ground truth to this JSON file.")
  var curves: String?

  func validate() throws {
    if strategyStudy {
      guard spec == nil, fleet == nil else {
        throw ValidationError("--strategy-study takes no spec or --fleet; it builds its own sweeps")
      }
      guard (1...100).contains(seeds) else { throw ValidationError("--seeds: expected 1 to 100, got \(seeds)") }
      guard (1...256).contains(workers) else { throw ValidationError("--workers: expected 1 to 256, got \(workers)") }
      guard (10...150).contains(trials) else { throw ValidationError("--trials: expected 10 to 150, got \(trials)") }
    } else {
      guard spec != nil else { throw ValidationError("missing SPEC: the sweep to simulate (or --strategy-study)") }
      if let store, FleetSimulator.StoreKind(rawValue: store) == nil {
        throw ValidationError("--store: expected memory or sqlite, got '\(store)'")
      }
      guard fleet != nil else { throw ValidationError("missing --fleet FLEET: the machines to simulate it on") }
    }
  }

  func run() async throws {
    var out = StandardOutput()
    if strategyStudy {
      let study = StrategyStudy(
        options: .init(seeds: (1...seeds).map(UInt64.init), workers: workers, trialsPerDomain: trials))
      let report = try await study.run { StandardOutput.error($0) }
      if let curves {
        let text = report.curvesJSON.serialized() + "\n"
        guard FileManager.default.createFile(atPath: curves, contents: Data(text.utf8)) else {
          throw CLIError(.runtime, "--curves: cannot write \(curves)")
        }
      }
      if json { out.line(report.json.serialized()) } else { for line in report.humanLines { out.line(line) } }
      out.flush()
      return
    }
    let (spec, _) = try SpecFile.load(self.spec ?? "")
    let fleet = try FleetFile.load(self.fleet ?? "")
    let simulator = FleetSimulator(spec: spec, fleet: fleet, policy: try FleetFile.policy(ttl: leaseTtl))
    simulator.store = store.flatMap(FleetSimulator.StoreKind.init(rawValue:))
    let report = try await simulator.run()
    if json {
      out.line(report.json.serialized())
    } else {
      for line in report.humanLines { out.line(line) }
    }
    out.flush()
  }
}

/// `sweep plan SPEC --fleet FLEET`: each group of the fleet alone, and all of it, side by side.
struct PlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Compare time and cost of a sweep on each part of a fleet and on all of it (simulated).",
    discussion: """
      Simulates the sweep once per group of the fleet file (that group alone) and once on the \
      whole fleet, and prints makespan, cost and what the budget allowed for each. COST is the \
      whole bill: the trials' paid time and the idle time paid machines billed (OF WHICH IDLE) \
      until they stopped after the fleet's max_idle. The fleet file's api_options (fine-tuning \
      APIs priced per job or per token) and subscriptions (a flat fee per period) are added as \
      rows of their own, computed rather than simulated. A budget that runs out leaves trials \
      unfinished on paid-only options: the table says how many.
      """)

  @Argument(help: "The spec file (YAML or JSON).") var spec: String
  @Option(help: "The fleet file (YAML or JSON).") var fleet: String
  @Option(help: "Lease TTL in seconds, as `sweep serve --lease-ttl` (default 60).") var leaseTtl: Int = 60

  func run() async throws {
    let (spec, _) = try SpecFile.load(self.spec)
    let fleet = try FleetFile.load(self.fleet)
    var options = fleet.groups.map { group in
      FleetSpec(
        name: "\(group.count) × \(group.name)", groups: [group], durationSpread: fleet.durationSpread, seed: fleet.seed,
        maxIdle: fleet.maxIdle)
    }
    if fleet.groups.count > 1 {
      var whole = fleet
      whole.name = "all (\(fleet.workerCount) machines)"
      options.append(whole)
    }
    var rows = [
      [
        "OPTION", "KIND", "MAKESPAN", "IDEAL", "COST", "OF WHICH IDLE", "BUDGET USED", "DONE", "UNFINISHED",
        "LOST TO PREEMPTION",
      ]
    ]
    func used(_ cost: MicroDollars) -> String {
      spec.budget.value > 0 ? "\(Int((Double(cost.value) / Double(spec.budget.value) * 100).rounded()))%" : "-"
    }
    for option in options {
      let report = try await FleetSimulator(spec: spec, fleet: option, policy: try FleetFile.policy(ttl: leaseTtl))
        .run()
      let kind =
        option.groups.count > 1 ? "mix" : option.groups.allSatisfy { $0.hourlyRate.isFree } ? "local" : "hourly"
      // The coordinator's whole bill: leases and idle time, budgeted or not.
      let idle = report.idleCharged.adding(report.idleUnbudgeted) ?? report.idleCharged
      rows.append([
        option.name, kind, FleetFile.human(report.makespan), FleetFile.human(report.ideal),
        "$" + report.billed.decimalString, "$" + idle.decimalString, used(report.spent),
        "\(report.succeeded + report.failed)/\(report.trials)", "\(report.unfinished)",
        "$" + report.lostToPreemption.decimalString,
      ])
    }
    let trials = SweepPlan(spec: spec).totalTrials
    let budget = spec.budget.value > 0 ? spec.budget : nil
    // Computed rows: makespan and cost of all the trials (what the option would take), and what
    // the budget pays for (DONE, UNFINISHED).
    for api in fleet.apiOptions {
      guard let whole = api.estimate(trials: trials, budget: nil),
        let capped = api.estimate(trials: trials, budget: budget)
      else {
        throw CLIError(.badInput, "\(self.fleet): api option '\(api.name)': its price does not fit in 64 bits")
      }
      rows.append(Self.row(api.name, kind: "API", whole: whole, capped: capped, used: used(whole.cost)))
    }
    for subscription in fleet.subscriptions {
      let whole = subscription.estimate(trials: trials, estimate: spec.estimatedTrialDuration, budget: nil)
      let capped = subscription.estimate(trials: trials, estimate: spec.estimatedTrialDuration, budget: budget)
      rows.append(
        Self.row(
          "\(subscription.count) × \(subscription.name)", kind: "subscription/\(subscription.periodName)",
          whole: whole, capped: capped, used: used(whole.cost)))
    }
    var out = StandardOutput()
    out.line(
      "\(spec.name): \(SweepPlan(spec: spec).totalTrials) trials, budget $\(spec.budget.decimalString), fleet \(fleet.name)"
    )
    for line in TextTable.render(rows) { out.line(line) }
    if !fleet.apiOptions.isEmpty || !fleet.subscriptions.isEmpty {
      out.line(
        "API and subscription rows are computed, not simulated: MAKESPAN and COST of all \(trials) trials, DONE what the budget pays for."
      )
    }
    out.flush()
  }
}

extension PlanCommand {
  /// A computed (not simulated) option's row.
  static func row(_ name: String, kind: String, whole: OptionEstimate, capped: OptionEstimate, used: String)
    -> [String]
  {
    [
      name, kind, FleetFile.human(whole.makespan), "-", "$" + whole.cost.decimalString, "-", used,
      "\(capped.done)/\(capped.trials)", "\(capped.trials - capped.done)", "-",
    ]
  }
}

/// Reads and validates a fleet file; formats what the simulation reports.
package enum FleetFile {
  /// The lease policy `sweep serve --lease-ttl ttl` runs with.
  package static func policy(ttl: Int) throws(CLIError) -> LeasePolicy {
    guard (3...86_400).contains(ttl) else {
      throw CLIError(.badInput, "--lease-ttl: expected 3 to 86400 seconds, got \(ttl)")
    }
    var configuration = CoordinatorServer.Configuration()
    configuration.leaseTTL = .seconds(ttl)
    return configuration.policy
  }

  /// "2h 05m", "4m 10s", "12.5s".
  package static func human(_ duration: Duration) -> String {
    let seconds = duration.secondsDouble
    if seconds >= 3600 { return "\(Int(seconds) / 3600)h \(String(format: "%02d", Int(seconds) % 3600 / 60))m" }
    if seconds >= 60 { return "\(Int(seconds) / 60)m \(String(format: "%02d", Int(seconds) % 60))s" }
    return String(format: "%.1fs", seconds)
  }

  package static func load(_ path: String) throws(CLIError) -> FleetSpec {
    let text = try SpecFile.read(path)
    do {
      return try SpecDecoder.decodeFleet(text, file: path)
    } catch {
      throw CLIError(.badInput, error.description)
    }
  }
}

extension SimulationReport {
  /// Spent ÷ budget in tenths of a percent; `nil` for a zero budget.
  var utilizationPerMille: Int64? { spent.perMille(of: budget) }

  var humanLines: [String] {
    [
      "fleet \(fleet): \(workers) workers, \(trials) trials",
      "  makespan      \(FleetFile.human(makespan)) (ideal \(FleetFile.human(ideal)): total work ÷ fleet speed)",
      "  finished      \(succeeded) succeeded, \(failed) failed, \(unfinished) unfinished",
      "  budget        $\(spent.decimalString) spent of $\(budget.decimalString)\(utilizationPerMille.map { " (\(MicroDollars.percentText(perMille: $0)) used)" } ?? ""); overspend $\(overspend.decimalString)",
      "  preemptions   \(preemptions), $\(lostToPreemption.decimalString) paid for attempts they cut short",
      "  idle paid     \(String(format: "%.2f", idlePaidHours)) machine-hours",
      "  scheduler     \(decisions) decisions, \(String(format: "%.3f", schedulerTimePerDecision.secondsDouble * 1000)) ms each (wall \(String(format: "%.1f", wallTime.secondsDouble)) s, \(store.rawValue) store)",
    ]
  }

  var json: JSONValue {
    .object([
      ("fleet", .string(fleet)), ("workers", .int(Int64(workers))), ("trials", .int(Int64(trials))),
      ("succeeded", .int(Int64(succeeded))), ("failed", .int(Int64(failed))), ("unfinished", .int(Int64(unfinished))),
      ("makespan_s", .double(makespan.secondsDouble)), ("ideal_s", .double(ideal.secondsDouble)),
      ("budget_usd", .string(budget.decimalString)), ("spent_usd", .string(spent.decimalString)),
      ("overspend_usd", .string(overspend.decimalString)),
      ("utilization", utilizationPerMille.map { .double(Double($0) / 1000) } ?? .null),
      ("preemptions", .int(Int64(preemptions))),
      ("lost_to_preemption_usd", .string(lostToPreemption.decimalString)), ("idle_paid_hours", .double(idlePaidHours)),
      ("decisions", .int(Int64(decisions))),
      ("scheduler_ms_per_decision", .double(schedulerTimePerDecision.secondsDouble * 1000)),
      ("wall_s", .double(wallTime.secondsDouble)), ("store", .string(store.rawValue)),
    ])
  }
}
