import Shared

extension Scheduler {
  static func registerWorker<S: SchedulerStorage>(
    _ s: inout S, _ request: RegisterWorkerRequest, id: String, secretHash: [UInt8], now: Timestamp
  ) throws {
    try s.insertWorker(request, id: id, secretHash: secretHash, now: now)
  }

  /// Marks the worker deregistered and gives back its active leases' trials without counting a failure.
  static func deregisterWorker<S: SchedulerStorage>(_ s: inout S, id: String, now: Timestamp) throws {
    guard let worker = try s.workerTerms(id: id) else {
      throw StoreError.notFound(code: "worker_not_found", message: "no worker '\(id)'")
    }
    for lease in try s.activeLeases(worker.ref) {
      try releaseAttempts(&s, lease, trialIDs: nil, now: now, reason: "worker deregistered")
    }
    try s.setWorkerState(worker.ref, .deregistered, lastSeen: now)
  }
}
