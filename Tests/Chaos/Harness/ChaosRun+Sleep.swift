import Foundation
import GRDB
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// What the coordinator's sleep did to the paid boxes.
struct SleepObservation {
  var began: Date
  var ended: Date
  /// Paid workers whose process had exited when the coordinator woke.
  var stopped: Set<Int>
}

/// The coordinator's laptop sleeps (SIGSTOP) past the paid boxes' `--max-idle`: they must stop
/// themselves and run `--on-exit`; on waking, the leases the sleep let lapse must not use up any
/// trial's attempts; the boxes' bills must cover their real lives and stay within the budget.
extension ChaosRun {
  func onExitMarks(_ index: Int) -> String { directory.appendingPathComponent("on-exit-\(index)").path }

  /// SIGSTOP the coordinator until every paid worker has exited (at most `bound` s), SIGCONT it,
  /// then start the stopped boxes again on their spools — as their owner would, to collect what
  /// the sleep kept from the coordinator.
  func sleepCoordinator(bound: Double) {
    serve.signal(SIGSTOP)
    let began = Date()
    let paid = 0..<configuration.paidWorkers
    while Date().timeIntervalSince(began) < bound, paid.contains(where: { workers[$0]?.isRunning == true }) {
      usleep(100_000)
    }
    let stopped = Set(paid.filter { workers[$0]?.isRunning == false })
    let ended = Date()
    // Nothing measured across the sleep: allowances could not be extended, heartbeats went nowhere.
    for index in disturbed.indices {
      disturbed[index].append(began.timeIntervalSince1970...ended.timeIntervalSince1970)
    }
    serve.signal(SIGCONT)
    sleep = SleepObservation(began: began, ended: ended, stopped: stopped)
    note(
      "coordinator woke after \(Fault.format(ended.timeIntervalSince(began))) s; paid workers that stopped themselves: \(stopped.sorted())"
    )
    for index in stopped.sorted() {
      lives[index][lives[index].count - 1].alive = Self.lastMark(onExitMarks(index))
      do {
        workers[index] = try startWorker(index)
        note("paid worker \(index) started again on its spool")
      } catch {
        note("paid worker \(index) could not start again: \(error)")
      }
    }
  }

  /// The sleep's invariants, checked after the drain, while the coordinator still runs.
  func checkSleep() -> [String] {
    guard let sleep else { return ["the coordinator never slept"] }
    var violations: [String] = []
    let away = Fault.format(sleep.ended.timeIntervalSince(sleep.began))
    for index in 0..<configuration.paidWorkers {
      guard sleep.stopped.contains(index) else {
        violations.append("paid worker \(index) was still running \(away) s into the coordinator's sleep")
        continue
      }
      if Self.lastMark(onExitMarks(index)) == nil {
        violations.append("paid worker \(index) stopped during the sleep without running --on-exit")
      }
    }
    let logs = (0..<configuration.paidWorkers).map { (try? String(contentsOfFile: logPath($0), encoding: .utf8)) ?? "" }
    for (index, log) in logs.enumerated() where sleep.stopped.contains(index) && !log.contains("exiting (--max-idle)") {
      violations.append("paid worker \(index) stopped during the sleep, but not on --max-idle")
    }
    // No attempt used up by the sleep: the only fault of the run, so any lapsed lease counted
    // against its trial was the coordinator's own absence.
    do {
      var readOnly = Configuration()
      readOnly.readonly = true
      let database = try DatabaseQueue(path: serve.databasePath, configuration: readOnly)
      defer { try? database.close() }
      let counted = try database.read { db in
        try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM attempts WHERE state = 'expired' AND reason LIKE '%within the TTL%'") ?? -1
      }
      if counted != 0 {
        violations.append("\(counted) attempt(s) expired during the sleep counted against their trials")
      }
    } catch {
      violations.append("cannot read the database: \(error)")
    }
    violations += checkBills()
    return violations
  }

  /// Each paid box's bill covers the time its processes surely lived, at its rate.
  private func checkBills() -> [String] {
    guard
      let listed = try? CommandRunner.run(
        "sweep", ["workers", "--json", "--coordinator", serve.url, "--token", serve.adminToken]),
      let object = try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any],
      let workers = object["workers"] as? [[String: Any]]
    else { return ["cannot list the workers' bills"] }
    let microPerSecond = (Double(configuration.paidRate) ?? 0) * 1_000_000 / 3600
    var violations: [String] = []
    for index in 0..<configuration.paidWorkers {
      let billed = workers.filter { $0["name"] as? String == workerName(index) }.reduce(0.0) { total, worker in
        total + (Double((worker["billing"] as? [String: Any])?["billed_usd"] as? String ?? "") ?? 0) * 1_000_000
      }
      let lived = lives[index].reduce(0.0) { total, life in
        total + max(0, (life.alive ?? life.start).timeIntervalSince(life.start))
      }
      // Each process's start is noted just before it is spawned: half a second each for that.
      let floor = (lived - 0.5 * Double(lives[index].count)) * microPerSecond
      if billed < floor {
        violations.append(
          "paid worker \(index) lived at least \(Fault.format(lived)) s but was billed \(Int(billed)) µ$ (< \(Int(floor)) µ$)"
        )
      }
      note(
        "paid worker \(index): lived at least \(Fault.format(lived)) s over \(lives[index].count) process(es); billed \(Int(billed)) µ$"
      )
    }
    return violations
  }

  /// The last time written to a mark file (seconds since 1970), if any.
  static func lastMark(_ path: String) -> Date? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return text.split(whereSeparator: \.isNewline).last.flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
  }
}
