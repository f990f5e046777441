import Shared

/// Sends spooled results until each is acknowledged. Retry policy: retryable failures (network,
/// 5xx, 429) are retried forever with exponential backoff and jitter, so a coordinator that is
/// down for ten minutes loses nothing; a definite rejection (409 already completed, 404) is final
/// and the entry is dropped with a log line; unrecoverable errors stop the worker.
actor ResultSender {
  let spool: Spool
  let client: CoordinatorClient
  let log: WorkerLog
  private var wakeUp: CheckedContinuation<Void, Never>?
  private var dirty = true
  private(set) var fatal: ClientError?
  /// Acknowledged (trial, attempt) pairs, for the agent's summary and tests.
  private(set) var acknowledged: [String] = []

  init(spool: Spool, client: CoordinatorClient, log: WorkerLog) {
    self.spool = spool
    self.client = client
    self.log = log
  }

  /// Something new is in the spool.
  func notify() {
    dirty = true
    wakeUp?.resume()
    wakeUp = nil
  }

  var isEmpty: Bool { spool.pending().isEmpty }

  /// Runs until cancelled.
  func run() async {
    var backoff = Backoff()
    while !Task.isCancelled {
      if !dirty {
        await withTaskCancellationHandler {
          await withCheckedContinuation { continuation in wakeUp = continuation }
        } onCancel: {
          Task { await self.notify() }
        }
        continue
      }
      dirty = false
      for pending in spool.pending() {
        if Task.isCancelled { return }
        do {
          let ack = try await client.report(trialID: pending.trialId, pending.report)
          spool.acknowledge(pending)
          acknowledged.append("\(pending.trialId)#\(pending.report.attempt)")
          log.info(
            "result of \(pending.trialId) attempt \(pending.report.attempt) acknowledged: \(ack.outcome.rawValue)")
          backoff.reset()
        } catch {
          if case .rejected(let status, let code, let message) = error {
            spool.acknowledge(pending)
            log.warning(
              "result of \(pending.trialId) attempt \(pending.report.attempt) not merged (\(status) \(code)): \(message)"
            )
            continue
          }
          if case .retryable(let message) = error {
            let delay = backoff.next()
            log.warning("cannot deliver results yet (\(message)); retrying in \(delay)")
            dirty = true
            try? await Task.sleep(for: delay)
            break
          }
          fatal = error
          return
        }
      }
    }
  }

  /// Waits until these results left the spool (acknowledged or finally rejected), or `timeout`.
  /// A slot waits for its lease's results before asking for the next lease, so that the
  /// coordinator has closed the lease and counts the slot as free again.
  func waitUntilDelivered(_ results: [Spool.PendingResult], timeout: Duration) async {
    let deadline = ContinuousClock.now + timeout
    notify()
    while ContinuousClock.now < deadline, fatal == nil {
      let waiting = Set(spool.pending().map { "\($0.trialId)#\($0.report.attempt)" })
      if results.allSatisfy({ !waiting.contains("\($0.trialId)#\($0.report.attempt)") }) { return }
      try? await Task.sleep(for: .milliseconds(10))
    }
  }

  /// Waits until the spool is empty or `timeout` passes; returns whether it emptied.
  func flush(timeout: Duration) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if spool.pending().isEmpty { return true }
      if fatal != nil { return false }
      notify()
      try? await Task.sleep(for: .milliseconds(100))
    }
    return spool.pending().isEmpty
  }
}
