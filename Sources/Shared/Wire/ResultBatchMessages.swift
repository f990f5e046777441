/// One report of a batch: the trial it belongs to and how its attempt ended. On the wire it is a
/// ``ResultReport`` object with a `trial_id` key added.
public struct BatchedResult: Hashable, Sendable, Codable {
  public var trialId: String
  public var report: ResultReport

  public init(trialId: String, report: ResultReport) {
    self.trialId = trialId
    self.report = report
  }

  enum CodingKeys: String, CodingKey { case trialId }

  public init(from decoder: any Decoder) throws {
    trialId = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .trialId)
    report = try ResultReport(from: decoder)
  }

  public func encode(to encoder: any Encoder) throws {
    try report.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(trialId, forKey: .trialId)
  }
}

/// `POST /v1/results`: several reports in one request and one transaction. A worker whose
/// trials finish faster than a round trip (or that is resending its spool after an outage) sends
/// what it has at once instead of one request per attempt.
public struct ResultBatchRequest: Hashable, Sendable, Codable {
  /// Most reports one request may carry.
  public static let maxResults = 256

  public var results: [BatchedResult]

  public init(results: [BatchedResult]) { self.results = results }
}

/// The answer to one report of a batch, in the order they were sent: the ``ResultAck`` the
/// single-result endpoint would have given, or the error it would have answered with.
public struct BatchedResultOutcome: Hashable, Sendable, Codable {
  public var trialId: String
  public var attempt: Int
  public var ack: ResultAck?
  /// The HTTP status the single-result endpoint would have answered with (200 with an ack).
  public var status: Int
  public var error: APIErrorBody.Detail?

  public init(trialId: String, attempt: Int, ack: ResultAck) {
    self.trialId = trialId
    self.attempt = attempt
    self.ack = ack
    self.status = 200
    self.error = nil
  }

  public init(trialId: String, attempt: Int, status: Int, error: APIErrorBody.Detail) {
    self.trialId = trialId
    self.attempt = attempt
    self.ack = nil
    self.status = status
    self.error = error
  }
}

/// The answer to ``ResultBatchRequest``: one outcome per report. Each report stands alone: one
/// that is refused (a fenced lease, a trial already completed) does not undo the others.
public struct ResultBatchResponse: Hashable, Sendable, Codable {
  public var results: [BatchedResultOutcome]

  public init(results: [BatchedResultOutcome]) { self.results = results }
}
