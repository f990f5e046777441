import Shared

/// Where an uploaded archive stands once recorded.
public struct ArtifactRecorded: Sendable, Equatable {
  public var kept: Bool
  /// Digests no row refers to any more: their files can go.
  public var orphans: [String]
}

/// An upload about to be accepted: the policy that bounds it.
public struct ArtifactTerms: Sendable, Equatable {
  public var policy: ArtifactPolicy
}

extension Scheduler {
  /// Checks an upload before its bytes are read: the attempt exists, this worker ran it, and it
  /// is the trial's result. Returns the sweep's policy (its size limit bounds the upload).
  static func artifactTerms<S: SchedulerStorage>(
    _ s: inout S, sweepID: String, trialID: String, attempt: Int, workerID: String
  ) throws -> ArtifactTerms {
    guard let found = try s.trialForReport(sweepID: sweepID, trialID: trialID) else {
      throw StoreError.notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
    }
    guard let row = try s.attempt(found.trial, attempt) else {
      throw StoreError.conflict(code: "no_such_attempt", message: "trial '\(trialID)' has no attempt \(attempt)")
    }
    guard row.workerID == workerID else {
      throw StoreError.forbidden(
        code: "not_your_attempt", message: "attempt \(attempt) of trial '\(trialID)' was run by another worker")
    }
    if row.outcome == .running {
      throw StoreError.conflict(
        code: "result_pending",
        message: "attempt \(attempt) of trial '\(trialID)' has no result yet; send its output after its result")
    }
    guard found.row.completedAttempt == attempt else {
      throw StoreError.conflict(
        code: "not_the_result",
        message:
          "attempt \(attempt) of trial '\(trialID)' is not the trial's result (\(found.row.state.rawValue)); only a successful attempt's output is kept"
      )
    }
    return ArtifactTerms(policy: try s.artifactPolicy(found.sweep).policy)
  }

  /// Records an uploaded archive, then keeps what the sweep's policy keeps among the archives of
  /// the trial's domain and stage (the best `top_k` by the objective) and drops the rest.
  static func recordArtifact<S: SchedulerStorage>(
    _ s: inout S, sweepID: String, trialID: String, attempt: Int, sha256: String, bytes: Int64, now: Timestamp
  ) throws -> ArtifactRecorded {
    guard let found = try s.trialForReport(sweepID: sweepID, trialID: trialID) else {
      throw StoreError.notFound(code: "trial_not_found", message: "no trial '\(trialID)' in sweep '\(sweepID)'")
    }
    let (policy, goal) = try s.artifactPolicy(found.sweep)
    try s.insertArtifact(found.trial, attempt: attempt, sha256: sha256, bytes: bytes, now: now)
    let stored = try s.artifactCandidates(found.trial)
    let kept = policy.kept(stored.map(\.candidate), goal: goal)
    var orphans: [String] = []
    for entry in stored where !kept.contains(entry.candidate.key) {
      try s.deleteArtifact(found.sweep, trialID: entry.trialID, attempt: entry.attempt)
      if try !s.artifactReferenced(sha256: entry.sha256) { orphans.append(entry.sha256) }
    }
    return ArtifactRecorded(kept: kept.contains(StoredArtifact.key(trialID, attempt)), orphans: orphans)
  }
}

/// An archive on record, for pruning.
struct StoredArtifact {
  var trialID: String
  var attempt: Int
  var sha256: String
  var candidate: ArtifactPolicy.Candidate

  static func key(_ trialID: String, _ attempt: Int) -> String { "\(trialID)#\(attempt)" }
}
