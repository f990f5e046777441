import GRDB
import Shared

/// Counts the fleet simulator reads between its calls (``SimulationStore``).
extension SQLiteStore {
  public func trialCount(sweepID: String) async throws -> Int {
    try await pool.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE sweep_id = ?", arguments: [sweepID]) ?? 0
    }
  }

  public func openTrials(sweepID: String) async throws -> Int {
    try await pool.read { db in
      try Int.fetchOne(
        db, sql: "SELECT COUNT(*) FROM trials WHERE sweep_id = ? AND state IN (?, ?, ?)",
        arguments: StatementArguments([sweepID]) + SQLiteStorage.openTrialStates) ?? 0
    }
  }

  public func attemptCost(sweepID: String, outcome: AttemptOutcome) async throws -> MicroDollars {
    MicroDollars(
      try await pool.read { db in
        try Int64.fetchOne(
          db, sql: "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE sweep_id = ? AND state = ?",
          arguments: [sweepID, outcome.rawValue]) ?? 0
      })
  }
}
