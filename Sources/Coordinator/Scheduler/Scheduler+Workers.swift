import Shared

extension Scheduler {
  static func registerWorker<S: SchedulerStorage>(
    _ s: inout S, _ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp
  ) throws {
    try s.insertWorker(request, id: id, secretHash: secretHash, now: now)
  }

  /// A worker says it takes no work for now, and why (a laptop on battery or hot): recorded for
  /// `sweep status`, and no lease is granted with that request.
  static func pauseWorker<S: SchedulerStorage>(_ s: inout S, id: String, reason: PauseReason, now: Timestamp) throws {
    guard let worker = try s.workerTerms(id: id) else {
      throw StoreError.notFound(code: "worker_not_found", message: "no worker '\(id)'; register again")
    }
    guard worker.state != .deregistered else {
      throw StoreError.gone(code: "worker_deregistered", message: "worker '\(id)' was deregistered; register again")
    }
    try s.touchWorker(worker.ref, now: now, paused: reason)
  }

  /// Marks the worker deregistered and gives back its active leases' trials without counting a failure.
  static func deregisterWorker<S: SchedulerStorage>(_ s: inout S, id: String, now: Timestamp) throws {
    guard let worker = try s.workerTerms(id: id) else {
      throw StoreError.notFound(code: "worker_not_found", message: "no worker '\(id)'")
    }
    for lease in try s.activeLeases(worker.ref) {
      try releaseAttempts(&s, lease, trialIDs: nil, now: now, reason: "worker deregistered")
    }
    // Its bill ends here: idle charged up to now, its idle window given back (once).
    if worker.state != .deregistered { try closeBill(&s, worker: worker.ref, at: now) }
    try s.setWorkerState(worker.ref, .deregistered, lastSeen: now)
  }
}
