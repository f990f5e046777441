import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep status [SWEEP] [--json] [--watch]`.
struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show a sweep's progress per domain, spend against budget, and the workers.",
    discussion: "Without SWEEP, the most recently submitted sweep.")

  @Argument(help: "The sweep id (default: the latest sweep).") var sweep: String?
  @Flag(help: "Print one JSON object.") var json = false
  @Flag(help: "Redraw every 2 seconds until the sweep is no longer running.") var watch = false
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let client = try admin.client()
    let id = try await resolve(client)
    while true {
      let reply = try await client.send(.GET, "/v1/sweeps/\(id)")
      var out = StandardOutput()
      if json {
        out.line(String(decoding: reply.body, as: UTF8.self))
        out.flush()
        return
      }
      let status = try client.decode(SweepStatus.self, reply)
      let workers = try client.decode(WorkerList.self, try await client.send(.GET, "/v1/workers")).workers
      // (An older coordinator has no /v1/budget: then there is no cap to show.)
      let outer = try? client.decode(CoordinatorBudget.self, try await client.send(.GET, "/v1/budget"))
      if watch { out.line("\u{1B}[H\u{1B}[2J") }
      for line in StatusView.lines(status, workers: workers) { out.line(line) }
      // The cap across sweeps, when one is set: it may bind before this sweep's own.
      if let outer, outer.budgetUsd != nil { out.line("  " + BudgetView.line(outer)) }
      // Watching: the running trials' epochs and the time left (a coordinator without the
      // dashboard's data has none to give).
      if watch,
        let progress = try? client.decode(SweepProgress.self, try await client.send(.GET, "/v1/sweeps/\(id)/progress"))
      {
        for line in StatusView.progressLines(progress, objective: status.objective.metric) { out.line(line) }
      }
      out.flush()
      guard watch, status.state == .running || status.state == .paused else { return }
      try await Task.sleep(for: .seconds(2))
    }
  }

  func resolve(_ client: AdminClient) async throws(CLIError) -> String {
    if let sweep { return sweep }
    let list = try client.decode(SweepList.self, try await client.send(.GET, "/v1/sweeps"))
    guard let latest = list.sweeps.last else {
      throw CLIError(.badInput, "no sweeps yet; submit one with `sweep submit SPEC`")
    }
    return latest.id
  }
}

/// The human rendering of a sweep's status.
public enum StatusView {
  public static func lines(_ status: SweepStatus, workers: [WorkerSummary]) -> [String] {
    var lines = [
      "sweep \(status.name) (\(status.id)) — \(status.state.rawValue)",
      "  spent $\(status.spentUsd.micros.decimalString) of $\(status.budgetUsd.micros.decimalString)"
        + (status.utilizationText.map { " = \($0)" } ?? "")
        + " (reserved $\(status.reservedUsd.micros.decimalString), remaining $\(status.remainingUsd.micros.decimalString))",
    ]
    // Paid boxes bill between leases too: say how much of the money went to idle time.
    if let idle = status.idleSpentUsd, let held = status.idleHeldUsd, idle.micros > .zero || held.micros > .zero {
      lines.append(
        "  of which idle paid workers $\(idle.micros.decimalString) (and $\(held.micros.decimalString) held for their idle windows)"
      )
    }
    if let trials = status.trialCostSpentUsd, trials.micros > .zero {
      lines.append(
        "  of which priced trials $\(trials.micros.decimalString) (their reported cost_usd, else their price)")
    }
    if let reason = status.pausedReason {
      lines.append("  paused: \(reason)")
      lines.append("  fix the command, then `sweep resume \(status.id)`")
    }
    let width = status.domains.map(\.domain.count).max() ?? 6
    for domain in status.domains {
      let counts = domain.counts
      let bar = progressBar(done: counts.finished, total: counts.total, width: 24)
      var line =
        "  \(domain.domain.padding(toLength: width, withPad: " ", startingAt: 0))  \(bar) \(counts.finished)/\(counts.total)"
        + "  ok \(counts.succeeded)  failed \(counts.failed)  running \(counts.leased)  $\(domain.spentUsd.micros.decimalString)"
      if counts.waiting > 0 { line += "  waiting \(counts.waiting)" }
      if let pruning = domain.pruning {
        line +=
          "  pruned \(pruning.pruned) (saved \(Int(pruning.savedSeconds.rounded())) s, $\(pruning.savedUsd.micros.decimalString))"
      }
      if let best = domain.best {
        line += "  best \(best.metric) \(format(best.value)) (\(best.trialId))"
      }
      lines.append(line)
      if let failure = domain.commonFailure {
        let reason = failure.reason.count > 160 ? String(failure.reason.prefix(159)) + "…" : failure.reason
        lines.append("    most failures (\(failure.attempts) attempt\(failure.attempts == 1 ? "" : "s")): \(reason)")
      }
    }
    if !workers.isEmpty {
      lines.append("  workers:")
      lines += WorkerTable.lines(workers).map { "    " + $0 }
    }
    return lines
  }

  /// The running trials with their latest epoch and objective, and the time left.
  public static func progressLines(_ progress: SweepProgress, objective: String) -> [String] {
    var lines: [String] = []
    if let eta = progress.etaS { lines.append("  time left ~\(DurationText.approximate(seconds: eta))") }
    guard !progress.running.isEmpty else { return lines }
    lines.append("  running:")
    for trial in progress.running.prefix(20) {
      var line = "    \(trial.trialId)  \(trial.domain)  on \(trial.worker)"
      if let epoch = trial.epoch { line += "  epoch \(epoch == epoch.rounded() ? String(Int(epoch)) : String(epoch))" }
      if let value = trial.metrics[objective] { line += "  \(objective) \(format(value))" }
      lines.append(line)
    }
    if progress.running.count > 20 { lines.append("    … and \(progress.running.count - 20) more") }
    return lines
  }

  public static func progressBar(done: Int, total: Int, width: Int) -> String {
    let filled = total == 0 ? width : done * width / total
    return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
  }

  static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
