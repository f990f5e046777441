import Shared

/// Every scheduling step of the coordinator, written once: who gets which shard and with what
/// allowance, what a heartbeat renews and extends, what a report does to its trial, when a lease
/// expires and what that costs, how strategies add trials. Each step is one call on a
/// ``SchedulerStorage`` inside one transaction of its store; the decisions themselves are
/// Shared's state machines (``TrialLifecycle``, ``LeaseLifecycle``, ``LeaseMeter``, ``Ledger``,
/// ``LeasePolicy``, ``StrategyEngine``, ``ASHA``). ``SQLiteStore`` and ``MemoryStore`` both call
/// these functions, so the server and `sweep simulate` run the same scheduling code.
enum Scheduler {
  /// The answer when a lease's fencing token, state or expiry refuses a message.
  static func conflict(_ rejection: LeaseLifecycle.Rejection, leaseID: String) -> StoreError {
    switch rejection {
    case .fenced:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' was superseded: its shard was granted again")
    case .expired:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' expired; its trials were re-queued")
    case .closed:
      .conflict(code: rejection.rawValue, message: "lease '\(leaseID)' has already ended")
    }
  }

  /// The lease, checked to belong to `workerID`.
  static func ownedLease<S: SchedulerStorage>(_ s: inout S, leaseID: String, workerID: String) throws -> S.Lease {
    guard let lease = try s.lease(id: leaseID) else {
      throw StoreError.notFound(code: "lease_not_found", message: "no lease '\(leaseID)'")
    }
    guard lease.workerID == workerID else {
      throw StoreError.forbidden(code: "not_your_lease", message: "lease '\(leaseID)' is held by another worker")
    }
    return lease
  }

  /// Milliseconds of a reported duration in seconds.
  static func milliseconds(_ seconds: Double?) -> Int64? { seconds.map { Int64(($0 * 1000).rounded()) } }
}
