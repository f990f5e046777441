import Foundation
import GRDB

/// What a run measured, for its summary line.
public struct ChaosFigures: Sendable {
  public var trials = 0
  public var succeeded = 0
  public var failed = 0
  public var duplicates = 0
  public var lost = 0
  public var spent: Int64 = 0
  /// Of ``spent``: paid workers' idle time (whole-life billing).
  public var idle: Int64 = 0
  public var budget: Int64 = 0
  public var paidCompleted = 0
  public var freeCompleted = 0
  public var acknowledged = 0
  /// Paid attempts whose start and end the trial program recorded, with no fault on their worker.
  public var measuredPaidAttempts = 0
  /// The most any of those ran past its allowance, in seconds (negative: it stopped early).
  public var maxOverrun: Double?
  public var stoppedByAllowance = 0
  public var expiredAttempts = 0
}

/// The invariants of a finished chaos run, checked from the database and, independently, from
/// results.jsonl and the workers' logs.
struct ChaosInvariants {
  let configuration: ChaosRunConfiguration
  let workload: ChaosWorkload
  let databasePath: String
  let disturbed: [[ClosedRange<Double>]]
  private(set) var violations: [String] = []
  private(set) var figures = ChaosFigures()

  init(
    configuration: ChaosRunConfiguration, workload: ChaosWorkload, databasePath: String,
    disturbed: [[ClosedRange<Double>]]
  ) {
    self.configuration = configuration
    self.workload = workload
    self.databasePath = databasePath
    self.disturbed = disturbed
  }

  mutating func check(sweepID: String, resultsJSONL: String, workerLogs: [String]) throws -> (
    violations: [String], figures: ChaosFigures
  ) {
    var readOnly = Configuration()
    readOnly.readonly = true
    let database = try DatabaseQueue(path: databasePath, configuration: readOnly)
    defer { try? database.close() }
    try database.read { db in try checkDatabase(db, sweepID: sweepID) }
    try checkResultsFile(resultsJSONL)
    checkAcknowledged(logs: workerLogs, resultsJSONL: resultsJSONL)
    try database.read { db in try measureOverrun(db) }
    return (violations, figures)
  }

  private mutating func fail(_ message: String) { violations.append(message) }

  // MARK: the database

  private mutating func checkDatabase(_ db: Database, sweepID: String) throws {
    let maxAttempts =
      try Int.fetchOne(db, sql: "SELECT max_attempts FROM sweeps WHERE id = ?", arguments: [sweepID]) ?? 0
    let trials = try Row.fetchAll(
      db, sql: "SELECT trial_id, state, attempts, failures, completed_attempt, params FROM trials WHERE sweep_id = ?",
      arguments: [sweepID])
    figures.trials = trials.count
    let completedByTrial = Dictionary(
      grouping: try Row.fetchAll(
        db, sql: "SELECT trial_id, attempt FROM results WHERE sweep_id = ? AND completed = 1", arguments: [sweepID]),
      by: { $0["trial_id"] as String })
    let attemptsByTrial = Dictionary(
      grouping: try Row.fetchAll(
        db, sql: "SELECT trial_id, attempt, state, reason FROM attempts WHERE sweep_id = ?", arguments: [sweepID]),
      by: { $0["trial_id"] as String })
    for trial in trials {
      let id: String = trial["trial_id"]
      let state: String = trial["state"]
      let completed = completedByTrial[id] ?? []
      if completed.count > 1 {
        figures.duplicates += completed.count - 1
        fail("trial \(id) has \(completed.count) completed results")
      }
      let attempts = attemptsByTrial[id] ?? []
      for attempt in attempts where (attempt["state"] as String) == "running" {
        fail("trial \(id) attempt \(attempt["attempt"] as Int) is still running")
      }
      for attempt in attempts where (attempt["reason"] as String?) == nil {
        fail("trial \(id) attempt \(attempt["attempt"] as Int) ended without a reason")
      }
      figures.expiredAttempts += attempts.filter { ($0["state"] as String) == "expired" }.count
      figures.stoppedByAllowance += attempts.filter { ($0["state"] as String) == "allowance_exhausted" }.count
      switch state {
      case "succeeded":
        figures.succeeded += 1
        if completed.count != 1 || (completed.first?["attempt"] as Int?) != (trial["completed_attempt"] as Int?) {
          fail(
            "trial \(id) succeeded but its completed result does not match attempt \(trial["completed_attempt"] as Int? ?? 0)"
          )
        }
      case "failed":
        figures.failed += 1
        if !completed.isEmpty { fail("trial \(id) failed but has a completed result") }
        if (trial["failures"] as Int) < maxAttempts {
          fail(
            "trial \(id) failed after \(trial["failures"] as Int) failure(s), fewer than max_attempts \(maxAttempts)")
        }
      default:
        figures.lost += 1
        fail("trial \(id) is still \(state)")
      }
      let params: String = trial["params"]
      if params.contains("\"broken\""), state != "failed" {
        fail("trial \(id) runs a broken configuration but is \(state)")
      }
    }

    // Money: the ledger, the attempts, the leases and the workers agree, and stay in the budget.
    // The ledger's spend is the leases' charges plus the paid workers' idle time.
    let sweep = try Row.fetchOne(
      db, sql: "SELECT spent, idle_spent, budget FROM sweeps WHERE id = ?", arguments: [sweepID])
    figures.spent = sweep?["spent"] ?? -1
    figures.idle = sweep?["idle_spent"] ?? -1
    figures.budget = sweep?["budget"] ?? -1
    let onLeases = figures.spent - figures.idle
    let workerIdle =
      try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(idle_charged - unbudgeted_idle), 0) FROM workers") ?? -1
    let attemptCosts = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts") ?? -1
    let leaseCharges = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(charged), 0) FROM leases") ?? -1
    let workerSpend = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(spent), 0) FROM workers") ?? -1
    let stillHeld =
      try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(held), 0) FROM leases WHERE state = 'active'") ?? -1
    if figures.spent > figures.budget { fail("spent \(figures.spent) µ$ exceeds the budget \(figures.budget) µ$") }
    if onLeases != attemptCosts { fail("spent \(onLeases) µ$ on leases but the attempts cost \(attemptCosts) µ$") }
    if onLeases != leaseCharges { fail("spent \(onLeases) µ$ on leases but the leases charged \(leaseCharges) µ$") }
    if onLeases != workerSpend { fail("spent \(onLeases) µ$ on leases but the workers spent \(workerSpend) µ$") }
    if figures.idle != workerIdle {
      fail("the ledger charged \(figures.idle) µ$ of idle time but the workers' bills say \(workerIdle) µ$")
    }
    if stillHeld != 0 { fail("\(stillHeld) µ$ still reserved after the sweep finished") }
    if figures.spent == 0 { fail("the paid workers spent nothing: the run did not exercise the budget") }

    // Who completed what: the paid workers until the budget ran out, the free ones the rest.
    let byRate = try Row.fetchAll(
      db,
      sql: """
        SELECT w.rate > 0 AS paid, COUNT(*) AS n FROM results r JOIN workers w ON w.id = r.worker_id
        WHERE r.sweep_id = ? AND r.completed = 1 GROUP BY w.rate > 0
        """, arguments: [sweepID])
    for row in byRate {
      if row["paid"] as Bool { figures.paidCompleted = row["n"] } else { figures.freeCompleted = row["n"] }
    }
    if figures.freeCompleted == 0 { fail("the free workers completed nothing") }
  }

  // MARK: results.jsonl, independently

  private mutating func checkResultsFile(_ text: String) throws {
    let lines = text.split(separator: "\n")
    let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    if records.count != lines.count { fail("results.jsonl has \(lines.count - records.count) unreadable line(s)") }
    if records.count != figures.trials { fail("results.jsonl has \(records.count) lines for \(figures.trials) trials") }
    let ids = records.compactMap { $0["trial_id"] as? String }
    if Set(ids).count != ids.count { fail("results.jsonl names \(ids.count - Set(ids).count) trial(s) twice") }
    let statuses = Dictionary(grouping: records, by: { $0["status"] as? String ?? "?" }).mapValues(\.count)
    if statuses["succeeded", default: 0] != figures.succeeded || statuses["failed", default: 0] != figures.failed {
      fail(
        "results.jsonl statuses \(statuses) disagree with the database (\(figures.succeeded) succeeded, \(figures.failed) failed)"
      )
    }
    let costs = records.reduce(Int64(0)) { $0 + Int64((((($1["cost"] as? Double) ?? 0) * 1_000_000)).rounded()) }
    if costs != figures.spent - figures.idle {
      fail("results.jsonl costs add up to \(costs) µ$, the ledger says \(figures.spent - figures.idle) µ$ on leases")
    }
  }

  /// Every result a worker saw acknowledged as completing its trial is that trial's result.
  private mutating func checkAcknowledged(logs: [String], resultsJSONL: String) {
    var attemptByTrial: [String: Int] = [:]
    for line in resultsJSONL.split(separator: "\n") {
      guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let trial = record["trial_id"] as? String, record["status"] as? String == "succeeded"
      else { continue }
      attemptByTrial[trial] = record["attempt"] as? Int
    }
    for line in logs.joined(separator: "\n").split(separator: "\n") where line.contains("acknowledged: completed") {
      guard let range = line.range(of: "result of ") else { continue }
      let words = line[range.upperBound...].split(separator: " ")
      guard words.count > 2, let attempt = Int(words[2]) else { continue }
      figures.acknowledged += 1
      let trial = String(words[0])
      if attemptByTrial[trial] != attempt {
        figures.lost += 1
        fail(
          "worker saw attempt \(attempt) of \(trial) acknowledged as completed; results.jsonl has \(attemptByTrial[trial].map(String.init) ?? "nothing")"
        )
      }
    }
  }

  // MARK: paid time

  /// How far each paid attempt ran past the allowance its lease finally had: the trial program's
  /// own end mark against the lease's paid time minus the stop grace and report margin it reserves.
  private mutating func measureOverrun(_ db: Database) throws {
    let rows = try Row.fetchAll(
      db,
      sql: """
        SELECT a.trial_id, a.attempt, l.paid_until, l.tail_ms, w.name FROM attempts a
        JOIN leases l ON l.id = a.lease_id JOIN workers w ON w.id = a.worker_id
        WHERE l.slot_rate > 0 AND l.paid_until IS NOT NULL
        """)
    for row in rows {
      let marks = workload.marks(trial: row["trial_id"], attempt: row["attempt"])
      guard let start = marks.start, let end = marks.end else { continue }
      let name: String = row["name"]
      guard let index = Int(name.split(separator: "-").last ?? ""), index < disturbed.count else { continue }
      if disturbed[index].contains(where: { $0.overlaps(start...end) }) { continue }
      // A lease fitted to the last of the budget keeps a shorter tail, with its grace in proportion.
      let fullTail = configuration.stopGrace + configuration.reportMargin
      let tail = (row["tail_ms"] as Int64?).map { Double($0) / 1000 } ?? fullTail
      let stopGrace = fullTail > 0 ? configuration.stopGrace * tail / fullTail : 0
      let allowanceEnd = Double(row["paid_until"] as Int64) / 1000 - tail
      let overrun = end - allowanceEnd
      figures.measuredPaidAttempts += 1
      figures.maxOverrun = max(figures.maxOverrun ?? overrun, overrun)
      if overrun > stopGrace + 0.5 {
        fail(
          "paid attempt \(row["attempt"] as Int) of \(row["trial_id"] as String) ran \(String(format: "%.2f", overrun)) s past its allowance (stop grace \(String(format: "%.2f", stopGrace)) s)"
        )
      }
    }
  }
}

/// The outcome of one run.
public struct ChaosReport: Sendable {
  public var seed: UInt64
  public var faults: [Fault]
  public var figures: ChaosFigures
  public var replayStatuses: [Int: Int]
  public var violations: [String]
  public var seconds: Double
  public var directory: String

  public var passed: Bool { violations.isEmpty }

  /// One line: faults injected, trials, completed, duplicates, lost, spent/budget, max overrun.
  public var summary: String {
    var kinds: [String: Int] = [:]
    for fault in faults {
      switch fault.kind {
      case .killWorker: kinds["kill-worker", default: 0] += 1
      case .killCoordinator: kinds["kill-coordinator", default: 0] += 1
      case .pauseWorker: kinds["pause", default: 0] += 1
      case .partitionWorker: kinds["partition", default: 0] += 1
      case .replayReport: kinds["replay", default: 0] += 1
      case .pauseCoordinator: kinds["coordinator-sleep", default: 0] += 1
      }
    }
    let faultText = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let f = figures
    let overrun = f.maxOverrun.map { String(format: "%.2f s", $0) } ?? "n/a"
    let replies = replayStatuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
    return
      "seed \(seed): \(passed ? "ok" : "FAILED") in \(Int(seconds)) s; faults \(faults.count) (\(faultText)); trials \(f.trials), completed \(f.succeeded) (paid \(f.paidCompleted), free \(f.freeCompleted)), failed \(f.failed), duplicates \(f.duplicates), lost \(f.lost); spent $\(Self.dollars(f.spent))/$\(Self.dollars(f.budget)); max overrun \(overrun) over \(f.measuredPaidAttempts) paid attempts, \(f.stoppedByAllowance) stopped by allowance, \(f.expiredAttempts) expired; replies \(replies.isEmpty ? "none" : replies); acknowledged \(f.acknowledged)"
  }

  static func dollars(_ micro: Int64) -> String {
    let sign = micro < 0 ? "-" : ""
    let value = abs(micro)
    let fraction = String(value % 1_000_000)
    return "\(sign)\(value / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
  }
}
