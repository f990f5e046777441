import Shared

/// One applied `sweep extend`: the request as sent (to recognise a retry), what it changed, and
/// what it added. A sweep's effective spec is its submitted spec with every `applied` in order.
struct ExtensionRecord: Hashable, Sendable, Codable {
  var request: ExtendSweepRequest
  var applied: SweepExtension
  var result: SweepExtended
}

extension Scheduler {
  /// Grows a sweep: applies the extension to its effective spec, draws each grown domain's new
  /// trials as a continuation of its design (``DomainSampler/extensionCandidates(_:domain:ordinal:)``),
  /// samples added domains as if they had been in the spec, stores the new budget and attempts,
  /// and reopens a completed sweep. A repeated `extension_id` with the same request is answered
  /// from the record; with another request it is a conflict. New shards queue after the others.
  static func extendSweep<S: SchedulerStorage>(
    _ s: inout S, id: String, request: ExtendSweepRequest, now: Timestamp
  ) throws -> SweepExtended {
    guard let sweep = try s.sweep(id: id) else {
      throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(id)'")
    }
    let records = try s.extensionRecords(sweep)
    if let earlier = records.first(where: { $0.request.extensionId == request.extensionId }) {
      guard earlier.request == request else {
        throw StoreError.conflict(
          code: "extension_conflict",
          message:
            "extension '\(request.extensionId)' of sweep '\(id)' was applied with other content; choose a new extension id"
        )
      }
      var replay = earlier.result
      replay.replayed = true
      return replay
    }
    let state = try s.sweepState(sweep)
    guard state != .cancelled else {
      throw StoreError.conflict(
        code: "sweep_cancelled", message: "sweep '\(id)' was cancelled; submit a new sweep instead of extending it")
    }
    let before = try s.effectiveSpec(sweep)
    let change = request.sweepExtension(sweepDomains: before.domains)
    let spec: SweepSpec
    do {
      spec = try before.applying(change)
    } catch {
      throw StoreError.invalid(code: "invalid_extension", message: error.description)
    }

    var position = try s.highestShardPosition(sweep) + 1
    var added = 0
    var duplicates = 0
    var shards = 0
    // The record first: the effective spec the strategies read below includes this extension.
    let pending = SweepExtended(
      sweepId: id, extensionId: request.extensionId, addedTrials: 0, duplicatesRemoved: 0, shards: 0, replayed: false)
    try s.setExtensionRecords(sweep, records + [ExtensionRecord(request: request, applied: change, result: pending)])
    try s.storeGrownSpec(sweep, spec)
    for domain in spec.domains {
      let rows: [[ParameterValue]]
      if change.newDomains.contains(domain) {
        rows = Array(DomainSampler.candidates(spec, domain: domain))
      } else if change.trials[domain] != nil {
        rows = DomainSampler.extensionCandidates(
          spec, domain: domain, ordinal: spec.extensionCounts(for: domain).count - 1)
      } else {
        continue
      }
      guard !rows.isEmpty else { continue }
      let (firstIndex, firstOrdinal) = try s.nextTrialSlot(sweep, domain: domain)
      let stored = try insertSampled(
        &s, sweep: sweep, spec: spec, domain: domain, rows: rows, firstIndex: firstIndex, firstOrdinal: firstOrdinal,
        position: &position, held: try isHeld(&s, sweep: sweep, spec: spec, domain: domain))
      shards += stored.shards
      added += stored.kept
      duplicates += stored.duplicates
    }
    if state == .completed { try s.reopenSweep(sweep) }
    // Strategies may act at once: an adaptive domain proposes up to its new target, an added
    // domain receives the transfer, a stage promotes what the extension already holds.
    if spec.hasStrategies { try applyStrategies(&s, sweep: sweep, now: now) }
    try completeIfFinished(&s, sweep, now: now)
    let result = SweepExtended(
      sweepId: id, extensionId: request.extensionId, addedTrials: added, duplicatesRemoved: duplicates, shards: shards,
      replayed: false)
    try s.setExtensionRecords(sweep, records + [ExtensionRecord(request: request, applied: change, result: result)])
    return result
  }

  /// Whether a domain's new trials must wait: it receives a transfer that has not happened yet.
  private static func isHeld<S: SchedulerStorage>(
    _ s: inout S, sweep: S.SweepRef, spec: SweepSpec, domain: String
  ) throws -> Bool {
    guard spec.isTransferTarget(domain) else { return false }
    return try !s.strategyTrials(sweep, domain: domain, spec: spec).contains { $0.origin == .transferred }
  }
}
