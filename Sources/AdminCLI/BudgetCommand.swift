import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep budget [--set USD [--period total|month] | --clear] [--json]`: the coordinator's own cap
/// across sweeps.
struct BudgetCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "budget",
    abstract: "Show or set the coordinator's own budget, across all its sweeps.",
    discussion: """
      Each sweep keeps its own budget_usd; this cap nests them: a paid lease is granted only if \\
      both have room, the tighter wins. --period month counts what was spent in the last 30 days \\
      from when it was set (then the next 30), total everything ever spent here.
      """)

  @Option(help: "Set the cap, in dollars.") var set: String?
  @Option(help: "With --set: total or month (default: the current cap's period, else total).") var period: String?
  @Flag(help: "Remove the cap.") var clear = false
  @Flag(help: "Print the JSON.") var json = false
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    if set != nil && clear { throw ValidationError("--set and --clear: give one") }
    if period != nil && set == nil { throw ValidationError("--period: only with --set") }
    if let period, OuterBudget.Period(rawValue: period) == nil {
      throw ValidationError("--period: '\(period)' is not total or month")
    }
    if let set {
      do { _ = try MicroDollars.parse(set) } catch { throw ValidationError("--set: \(error.message)") }
    }
  }

  func run() async throws {
    let client = try admin.client()
    let reply: AdminClient.Reply
    if set != nil || clear {
      // A new amount keeps the cap's period unless told otherwise (and so its month).
      var keep: OuterBudget.Period? = nil
      if period == nil && set != nil {
        keep = try client.decode(CoordinatorBudget.self, try await client.send(.GET, "/v1/budget")).period
      }
      let request = SetCoordinatorBudget(
        budgetUsd: try set.map { DollarAmount(try MicroDollars.parse($0)) },
        period: period.flatMap(OuterBudget.Period.init(rawValue:)) ?? keep)
      let body = String(decoding: try WireCoding.encoder().encode(request), as: UTF8.self)
      reply = try await client.send(.PUT, "/v1/budget", body: body)
    } else {
      reply = try await client.send(.GET, "/v1/budget")
    }
    var out = StandardOutput()
    if json {
      out.line(String(decoding: reply.body, as: UTF8.self))
    } else {
      out.line(BudgetView.line(try client.decode(CoordinatorBudget.self, reply)))
    }
    out.flush()
  }
}

/// One line for `sweep budget` and `sweep status`.
public enum BudgetView {
  public static func line(_ budget: CoordinatorBudget) -> String {
    let committed =
      "spent $\(budget.spentUsd.micros.decimalString), reserved $\(budget.reservedUsd.micros.decimalString)"
    guard let cap = budget.budgetUsd else {
      return "coordinator budget: none (each sweep's own budget only); all sweeps \(committed)"
    }
    let span = budget.period == .month ? " this month (since \(budget.periodStartedAt ?? "?"))" : " in total"
    return
      "coordinator budget: $\(cap.micros.decimalString)\(span); \(committed), remaining $\(budget.remainingUsd?.micros.decimalString ?? "0")"
  }
}
