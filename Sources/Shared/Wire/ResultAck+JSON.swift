/// Hand-written wire JSON for the answers on the result path. A coordinator writes one ack per
/// result (stored, so that a repeated report gets the same answer) and one response per
/// request; JSONEncoder was a fifth of a result's CPU time. The text is what
/// ``WireCoding/encoder()`` writes (snake_case, sorted keys), which a test checks.
extension ResultAck {
  public var json: JSONValue {
    .object([
      ("attempt", .int(Int64(attempt))), ("cost_usd", .string(costUsd.micros.decimalString)),
      ("outcome", .string(outcome.rawValue)), ("trial_id", .string(trialId)), ("trial_state", .string(trialState)),
    ])
  }
}

extension APIErrorBody.Detail {
  public var json: JSONValue {
    var entries: [(String, JSONValue)] = [("code", .string(code))]
    if let errors { entries.append(("errors", .array(errors.map(JSONValue.string)))) }
    entries.append(("message", .string(message)))
    return .object(entries)
  }
}

extension BatchedResultOutcome {
  public var json: JSONValue {
    var entries: [(String, JSONValue)] = []
    if let ack { entries.append(("ack", ack.json)) }
    entries.append(("attempt", .int(Int64(attempt))))
    if let error { entries.append(("error", error.json)) }
    entries.append(("status", .int(Int64(status))))
    entries.append(("trial_id", .string(trialId)))
    return .object(entries)
  }
}

extension ResultBatchResponse {
  public var json: JSONValue { .object([("results", .array(results.map(\.json)))]) }
}
