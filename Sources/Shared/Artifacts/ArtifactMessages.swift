/// One stored output folder (`GET /v1/sweeps/{id}/artifacts`).
public struct ArtifactInfo: Hashable, Sendable, Codable {
  public var trialId: String
  public var domain: String
  public var attempt: Int
  /// sha256 of the tar archive, hex.
  public var sha256: String
  public var bytes: Int64
  public var objective: Double?
  public var stage: Int

  public init(
    trialId: String, domain: String, attempt: Int, sha256: String, bytes: Int64, objective: Double?, stage: Int
  ) {
    self.trialId = trialId
    self.domain = domain
    self.attempt = attempt
    self.sha256 = sha256
    self.bytes = bytes
    self.objective = objective
    self.stage = stage
  }
}

public struct ArtifactList: Hashable, Sendable, Codable {
  public var artifacts: [ArtifactInfo]
  public init(artifacts: [ArtifactInfo]) { self.artifacts = artifacts }
}

/// `PUT /v1/trials/{trial_id}/attempts/{n}/artifact` answer.
public struct ArtifactUploadAck: Hashable, Sendable, Codable {
  public var trialId: String
  public var attempt: Int
  public var sha256: String
  /// Whether the coordinator keeps it (false: it is not among the best `top_k`, or `keep: none`).
  public var kept: Bool

  public init(trialId: String, attempt: Int, sha256: String, kept: Bool) {
    self.trialId = trialId
    self.attempt = attempt
    self.sha256 = sha256
    self.kept = kept
  }
}
