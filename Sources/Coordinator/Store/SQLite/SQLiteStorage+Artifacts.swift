import GRDB
import Shared

extension SQLiteStorage {
  func artifactPolicy(_ sweep: String) throws -> (policy: ArtifactPolicy, goal: Objective.Goal) {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT artifact_policy, objective_goal FROM sweeps WHERE id = ?"), arguments: [sweep])
    else { throw StoreError.corrupt("no sweep \(sweep)") }
    let policy = try (row[0] as String?).map { try StoredJSON.decode(ArtifactPolicy.self, $0) } ?? .default
    return (policy, try Self.decode(Objective.Goal.self, row[1]))
  }

  func insertArtifact(_ trial: TrialKey, attempt: Int, sha256: String, bytes: Int64, now: Timestamp) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO artifacts(sweep_id, trial_id, attempt, sha256, bytes, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(sweep_id, trial_id, attempt) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
          uploaded_at = excluded.uploaded_at
        """
    ).execute(arguments: [trial.sweepID, trial.trialID, attempt, sha256, bytes, now.milliseconds])
  }

  func artifactCandidates(_ trial: TrialKey) throws -> [StoredArtifact] {
    try Row.fetchAll(
      db.cachedStatement(
        sql: """
          SELECT a.trial_id, a.attempt, a.sha256, t.domain, t.stage, t.objective, t.state, t.completed_attempt
          FROM artifacts a JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
          WHERE a.sweep_id = ? AND (t.domain, t.stage) =
            (SELECT domain, stage FROM trials WHERE sweep_id = ? AND trial_id = ?)
          ORDER BY a.uploaded_at, a.trial_id
          """), arguments: [trial.sweepID, trial.sweepID, trial.trialID]
    ).map { row in
      let attempt: Int = row[1]
      let succeeded = (row[6] as String) == TrialState.succeeded.rawValue && (row[7] as Int?) == attempt
      return StoredArtifact(
        trialID: row[0], attempt: attempt, sha256: row[2],
        candidate: ArtifactPolicy.Candidate(
          key: StoredArtifact.key(row[0], attempt), domain: row[3], stage: row[4],
          objective: succeeded ? row[5] : nil))
    }
  }

  func deleteArtifact(_ sweep: String, trialID: String, attempt: Int) throws {
    try db.cachedStatement(sql: "DELETE FROM artifacts WHERE sweep_id = ? AND trial_id = ? AND attempt = ?")
      .execute(arguments: [sweep, trialID, attempt])
  }

  func artifactReferenced(sha256: String) throws -> Bool {
    try Bool.fetchOne(
      db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?)"), arguments: [sha256])
      ?? false
  }
}

extension SQLiteStore {
  public func artifacts(sweepID: String, domain: String?) async throws -> [ArtifactInfo] {
    try await pool.read { db in
      guard
        let goal = try String.fetchOne(db, sql: "SELECT objective_goal FROM sweeps WHERE id = ?", arguments: [sweepID])
      else { throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(sweepID)'") }
      let order = goal == Objective.Goal.minimize.rawValue ? "ASC" : "DESC"
      return try Row.fetchAll(
        db,
        sql: """
          SELECT a.trial_id, t.domain, a.attempt, a.sha256, a.bytes, t.objective, t.stage
          FROM artifacts a JOIN trials t ON t.sweep_id = a.sweep_id AND t.trial_id = a.trial_id
          WHERE a.sweep_id = ? AND (? IS NULL OR t.domain = ?)
          ORDER BY t.domain, t.stage DESC, t.objective IS NULL, t.objective \(order), a.trial_id
          """, arguments: [sweepID, domain, domain]
      ).map { row in
        ArtifactInfo(
          trialId: row[0], domain: row[1], attempt: row[2], sha256: row[3], bytes: row[4], objective: row[5],
          stage: row[6])
      }
    }
  }

  public func artifactTerms(sweepID: String, trialID: String, attempt: Int, workerID: String) async throws
    -> ArtifactTerms
  {
    try await pool.read { db in
      var storage = SQLiteStorage(db: db, store: self)
      return try Scheduler.artifactTerms(
        &storage, sweepID: sweepID, trialID: trialID, attempt: attempt, workerID: workerID)
    }
  }

  public func recordArtifact(
    sweepID: String, trialID: String, attempt: Int, sha256: String, bytes: Int64, now: Timestamp
  ) async throws -> ArtifactRecorded {
    try await schedule { storage in
      try Scheduler.recordArtifact(
        &storage, sweepID: sweepID, trialID: trialID, attempt: attempt, sha256: sha256, bytes: bytes, now: now)
    }
  }
}
