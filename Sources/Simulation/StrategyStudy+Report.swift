import CommandLineSupport
import Coordinator
import Foundation
import Shared

extension StrategyStudy.Report {
  /// The table of docs/strategies.md.
  public var humanLines: [String] {
    let o = options
    let best = o.domains.map { "\($0) \(Self.format(gridBest[$0] ?? 0, digits: 3))" }
    let cost = o.domains.map { domain -> String in
      let seconds = gridCost[domain] ?? 0
      return "\(domain) \(Int(seconds.rounded())) s (\(Self.format(seconds / 3600, digits: 1)) h)"
    }
    let tolerance = Self.format(100 * (1 - o.tolerance), digits: 1)
    var header = Self.pad("strategy", 34) + Self.pad("reached", 9) + Self.pad("cost to reach", 15)
    header += Self.pad("worst", 8) + Self.pad("best @ \(Int(o.budgetFraction * 100))% cost", 17)
    header += Self.pad("best", 8) + Self.pad("total cost", 12) + Self.pad("trials", 8) + "ms/trial"
    var lines = [
      "strategy study: \(o.domains.joined(separator: ", ")), seeds 1–\(o.seeds.count), \(o.workers) workers, "
        + "\(o.trialsPerDomain) trials per domain; reference trainer, 15 epochs, 150-configuration grid",
      "grid best (test accuracy): " + best.joined(separator: ", "),
      "grid cost (paid-equivalent seconds): " + cost.joined(separator: ", "),
      "cost is paid-equivalent seconds as a share of the full grid's; reached = a result ≥ \(tolerance)% of the "
        + "grid's best; cost to reach is the median over (seed, domain) pairs (— when fewer than half reached), "
        + "worst the largest among those that reached",
      "",
      header,
    ]
    for row in rows {
      let median = row.medianCostToReach.map { Self.format(100 * $0, digits: 1) + "%" } ?? "—"
      let worst = row.worstCostToReach.map { Self.format(100 * $0, digits: 1) + "%" } ?? "—"
      var line = Self.pad(row.strategy, 34) + Self.pad("\(row.reached)/\(row.pairs)", 9) + Self.pad(median, 15)
      line += Self.pad(worst, 8) + Self.pad(Self.format(row.meanBestWithinBudget, digits: 4), 17)
      line += Self.pad(Self.format(row.meanBest, digits: 4), 8)
      line += Self.pad(Self.format(100 * row.meanCost, digits: 1) + "%", 12)
      line += Self.pad(Self.format(row.meanTrials, digits: 1), 8) + Self.format(row.millisecondsPerTrial, digits: 2)
      lines.append(line)
    }
    lines.append("")
    lines.append("LHS vs random, mean best accuracy at equal trial counts:")
    for comparison in samplers {
      let verdict =
        comparison.lhs > comparison.random ? "lhs better" : comparison.lhs < comparison.random ? "random better" : "tie"
      lines.append(
        "  \(Self.pad("\(comparison.trials) trials", 11)) lhs \(Self.format(comparison.lhs, digits: 4))  random \(Self.format(comparison.random, digits: 4))  \(verdict)"
      )
    }
    return lines
  }

  public var json: JSONValue {
    .object([
      ("domains", .array(options.domains.map(JSONValue.string))),
      ("seeds", .int(Int64(options.seeds.count))), ("workers", .int(Int64(options.workers))),
      ("trials_per_domain", .int(Int64(options.trialsPerDomain))), ("tolerance", .double(options.tolerance)),
      ("budget_fraction", .double(options.budgetFraction)),
      ("grid_best", .object(options.domains.map { ($0, .double(gridBest[$0] ?? 0)) })),
      ("grid_cost_s", .object(options.domains.map { ($0, .double(gridCost[$0] ?? 0)) })),
      (
        "strategies",
        .array(
          rows.map { row in
            .object([
              ("strategy", .string(row.strategy)), ("pairs", .int(Int64(row.pairs))),
              ("reached", .int(Int64(row.reached))),
              ("median_cost_to_reach", row.medianCostToReach.map(JSONValue.double) ?? .null),
              ("worst_cost_to_reach", row.worstCostToReach.map(JSONValue.double) ?? .null),
              ("mean_best_within_budget", .double(row.meanBestWithinBudget)), ("mean_best", .double(row.meanBest)),
              ("mean_cost", .double(row.meanCost)), ("mean_trials", .double(row.meanTrials)),
              ("ms_per_trial", .double(row.millisecondsPerTrial)),
            ])
          })
      ),
      (
        "lhs_vs_random",
        .array(
          samplers.map {
            .object([("trials", .int(Int64($0.trials))), ("lhs", .double($0.lhs)), ("random", .double($0.random))])
          })
      ),
    ])
  }

  /// `{"domain|rank,alpha,weight_decay,epochs": {"validation": [...], "test": [...]}}`.
  public var curvesJSON: JSONValue {
    .object(
      curves.sorted { $0.key < $1.key }.map { key, curve in
        (
          key,
          .object([
            ("validation", .array(curve.intermediate.map(JSONValue.double))),
            ("test", .array(curve.final.map(JSONValue.double))),
          ])
        )
      })
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }

  static func format(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }

}
