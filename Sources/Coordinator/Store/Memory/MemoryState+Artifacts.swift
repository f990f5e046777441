import Shared

extension MemoryState {
  func artifactPolicy(_ sweep: Int) -> (policy: ArtifactPolicy, goal: Objective.Goal) {
    (sweeps[sweep].spec.artifacts, sweeps[sweep].spec.objective.goal)
  }

  mutating func insertArtifact(_ ref: MemoryTrialRef, attempt: Int, sha256: String, bytes: Int64, now: Timestamp) {
    artifactRows.removeAll { $0.sweep == ref.sweep && $0.trial == ref.trial && $0.attempt == attempt }
    artifactRows.append(
      MemoryArtifact(sweep: ref.sweep, trial: ref.trial, attempt: attempt, sha256: sha256, bytes: bytes))
  }

  func artifactCandidates(_ ref: MemoryTrialRef) -> [StoredArtifact] {
    let sweep = sweeps[ref.sweep]
    let like = sweep.trials[ref.trial]
    return artifactRows.filter {
      $0.sweep == ref.sweep && sweep.trials[$0.trial].domain == like.domain
        && sweep.trials[$0.trial].stage == like.stage
    }.map { row in
      let trial = sweep.trials[row.trial]
      let succeeded = trial.state == .succeeded && trial.completedAttempt == row.attempt
      return StoredArtifact(
        trialID: trial.id, attempt: row.attempt, sha256: row.sha256,
        candidate: ArtifactPolicy.Candidate(
          key: StoredArtifact.key(trial.id, row.attempt), domain: sweep.spec.domains[trial.domain], stage: trial.stage,
          objective: succeeded ? trial.objective : nil))
    }
  }

  mutating func deleteArtifact(_ sweep: Int, trialID: String, attempt: Int) {
    guard let trial = sweeps[sweep].trialIndex[trialID] else { return }
    artifactRows.removeAll { $0.sweep == sweep && $0.trial == trial && $0.attempt == attempt }
  }

  func artifactReferenced(sha256: String) -> Bool { artifactRows.contains { $0.sha256 == sha256 } }

  func artifactList(sweepID: String, domain: String?) throws(StoreError) -> [ArtifactInfo] {
    let index = try sweepIndexOf(sweepID)
    let sweep = sweeps[index]
    let maximize = sweep.spec.objective.goal == .maximize
    return artifactRows.filter { $0.sweep == index }.map { row in
      let trial = sweep.trials[row.trial]
      return ArtifactInfo(
        trialId: trial.id, domain: sweep.spec.domains[trial.domain], attempt: row.attempt, sha256: row.sha256,
        bytes: row.bytes, objective: trial.objective, stage: trial.stage)
    }.filter { domain == nil || $0.domain == domain }.sorted { a, b in
      if a.domain != b.domain { return a.domain < b.domain }
      if a.stage != b.stage { return a.stage > b.stage }
      switch (a.objective, b.objective) {
      case (let x?, let y?) where x != y: return maximize ? x > y : x < y
      case (nil, _?): return false
      case (_?, nil): return true
      default: return a.trialId < b.trialId
      }
    }
  }

  private func sweepIndexOf(_ id: String) throws(StoreError) -> Int {
    guard let index = sweepIndex[id] else { throw .notFound(code: "sweep_not_found", message: "no sweep '\(id)'") }
    return index
  }
}
