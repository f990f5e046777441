import CommandLineSupport
import Coordinator
import Foundation
import Shared

/// The demo's closing summary: a leaderboard per domain and the spend per worker.
enum DemoReport {
  static func lines(status: SweepStatus, workers: [WorkerSummary], jsonl: String, elapsed: Duration) -> [String] {
    var lines = [
      "",
      "sweep \(status.state.rawValue) in \(Int(elapsed.secondsDouble.rounded())) s: \(status.counts.succeeded) succeeded, \(status.counts.failed) failed",
    ]
    let records = jsonl.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let metric = status.objective.metric
    for domain in status.domains {
      lines.append("\nleaderboard — \(domain.domain) (\(metric), \(status.objective.goal.rawValue))")
      let ranked = records.filter {
        $0["domain"] as? String == domain.domain && $0["status"] as? String == TrialState.succeeded.rawValue
      }
      .sorted {
        let a = $0[metric] as? Double ?? -.infinity
        let b = $1[metric] as? Double ?? -.infinity
        return status.objective.goal == .maximize ? a > b : a < b
      }
      var rows = [["#", metric, "rank", "alpha", "weight_decay", "learning_rate", "worker", "cost"]]
      for (index, record) in ranked.prefix(5).enumerated() {
        rows.append([
          String(index + 1), format(record[metric]), format(record["rank"]), format(record["alpha"]),
          format(record["weight_decay"]), format(record["learning_rate"]), record["worker"] as? String ?? "",
          "$" + MicroDollars(Int64(((record["cost"] as? Double) ?? 0) * 1_000_000 + 0.5)).decimalString,
        ])
      }
      lines += TextTable.render(rows).map { "  " + $0 }
    }
    lines.append("\nspend against the budget of $\(status.budgetUsd.micros.decimalString)")
    for worker in workers {
      lines.append(
        "  \(worker.name.padding(toLength: 8, withPad: " ", startingAt: 0))  $\(worker.hourlyCostUsd.micros.decimalString)/h\(worker.hourlyCostUsd.micros == .zero ? " (free)     " : " (simulated)")  \(worker.trialsDone) trials  spent $\(worker.spentUsd.micros.decimalString)\(worker.billing.map { " + $\($0.idleUsd.micros.decimalString) idle = $\($0.billedUsd.micros.decimalString) billed" } ?? "")"
      )
    }
    lines.append(
      "  total spent $\(status.spentUsd.micros.decimalString) ≤ budget $\(status.budgetUsd.micros.decimalString): \(status.spentUsd.micros <= status.budgetUsd.micros ? "yes" : "NO")\(status.utilizationText.map { " (\($0) of it used)" } ?? "")"
    )
    return lines
  }

  static func format(_ value: Any?) -> String {
    switch value {
    case let number as NSNumber:
      let double = number.doubleValue
      if double == double.rounded() && abs(double) < 1e6 { return String(Int(double)) }
      return abs(double) < 0.01 ? String(format: "%.2e", double) : String(format: "%.4f", double)
    case let text as String: return text
    default: return ""
    }
  }
}
