import Shared

/// Sends spooled results until each is acknowledged, several per request when several are
/// waiting (`POST /v1/results`), so that fast trials and a spool that filled up during an outage
/// cost one round trip (and one fsync) per batch instead of one per attempt.
///
/// Retry policy: retryable failures (network, 5xx, 429, of the whole request or of one report in
/// it) are retried forever with ``Backoff``, so a coordinator that is down for ten minutes loses
/// nothing; a definite rejection of one report (409 already completed, 404) is final and the
/// entry is dropped with a log line; if the coordinator refuses the batch request itself, the
/// batch is sent again one report per request; unrecoverable errors stop the worker
/// (`onFatal`).
///
/// Event-driven: it sleeps until ``notify()``; whoever waits for results to leave the spool
/// (``waitUntilDelivered(_:until:)``, ``flush(until:)``) is resumed by the acknowledgement itself.
actor ResultSender: WakeableLoop {
  let spool: Spool
  let api: any CoordinatorAPI
  let clock: any WorkerClock
  let log: WorkerLog
  let onFatal: @Sendable (ClientError) -> Void
  var wake = WakeFlag()
  private(set) var fatal: ClientError?
  /// When each result's request left and when it was answered, on ``clock`` (the agent's
  /// overhead figures).
  private var sentAt: [String: Duration] = [:]
  private var acknowledgedAt: [String: (sent: Duration, answered: Duration)] = [:]
  private var waiters: [Int: (keys: Set<String>, continuation: CheckedContinuation<Void, Never>)] = [:]
  private var nextWaiter = 0

  /// Most reports per request, and a bound on their estimated JSON size that keeps a batch well
  /// inside the coordinator's 1 MiB body limit even when every report carries an 8 KiB output tail.
  static let maxBatch = 64
  static let maxBatchBytes = 256 << 10

  init(
    spool: Spool, api: any CoordinatorAPI, clock: any WorkerClock, log: WorkerLog,
    onFatal: @escaping @Sendable (ClientError) -> Void = { _ in }
  ) {
    self.spool = spool
    self.api = api
    self.clock = clock
    self.log = log
    self.onFatal = onFatal
  }

  /// Runs until cancelled.
  func run() async {
    var backoff = Backoff()
    while !Task.isCancelled {
      await sleepUntilNotified()  // something new in the spool, or a retry
      if Task.isCancelled { return }
      for batch in Self.batches(spool.pending()) {
        if Task.isCancelled { return }
        let delivery = await send(batch)
        resumeWaiters()
        switch delivery {
        case .delivered:
          backoff.reset()
        case .retry(let message):
          let delay = backoff.next()
          log.warning("cannot deliver results yet (\(message)); retrying in \(delay)")
          wake.notify()
          try? await clock.sleep(for: delay)
        case .fatal(let error):
          fatal = error
          resumeWaiters()
          onFatal(error)
          return
        }
        if case .retry = delivery { break }
      }
    }
  }

  private enum Delivery {
    case delivered
    case retry(String)
    case fatal(ClientError)
  }

  /// Sends one batch; entries that were answered leave the spool, the others stay for the retry.
  /// The spool is synced first: no result is sent before it is durable.
  private func send(_ batch: [Spool.PendingResult]) async -> Delivery {
    do {
      try spool.sync()
    } catch {
      // Sending anyway: a worker whose disk fails should still deliver what it has in memory.
      log.error("cannot make results durable in the spool at \(spool.root) (\(error)); sending them anyway")
    }
    let now = clock.now
    for pending in batch where sentAt[pending.key] == nil { sentAt[pending.key] = now }
    if batch.count == 1 { return await sendAlone(batch[0]) }
    let response: ResultBatchResponse
    do {
      response = try await api.reportBatch(batch.map { BatchedResult(trialId: $0.trialId, report: $0.report) })
    } catch {
      switch error {
      case .rejected(let status, let code, let message):
        log.warning(
          "the coordinator refused a batch of \(batch.count) results (\(status) \(code): \(message)); sending them one by one"
        )
        for pending in batch {
          let delivery = await sendAlone(pending)
          if case .delivered = delivery { continue }
          return delivery
        }
        return .delivered
      case .retryable(let message): return .retry(message)
      case .unrecoverable: return .fatal(error)
      }
    }
    var retry: String?
    var answered: [Spool.PendingResult] = []
    for (index, pending) in batch.enumerated() {
      guard index < response.results.count, response.results[index].trialId == pending.trialId,
        response.results[index].attempt == pending.report.attempt
      else {
        retry =
          retry
          ?? "the answer to a batch did not list the result of \(pending.trialId) attempt \(pending.report.attempt)"
        continue
      }
      let outcome = response.results[index]
      if let ack = outcome.ack {
        log.info("result of \(pending.trialId) attempt \(pending.report.attempt) acknowledged: \(ack.outcome.rawValue)")
        answered.append(pending)
      } else if outcome.status == 429 || outcome.status >= 500 {
        retry =
          retry ?? "the coordinator answered \(outcome.status) for \(pending.trialId): \(outcome.error?.message ?? "")"
      } else {
        warnDropped(
          pending, status: outcome.status, code: outcome.error?.code ?? "", message: outcome.error?.message ?? "")
        answered.append(pending)
      }
    }
    forget(answered)
    log.info("\(answered.count) of \(batch.count) results answered in one request")
    return retry.map(Delivery.retry) ?? .delivered
  }

  private func sendAlone(_ pending: Spool.PendingResult) async -> Delivery {
    do {
      let ack = try await api.report(trialID: pending.trialId, pending.report)
      log.info("result of \(pending.trialId) attempt \(pending.report.attempt) acknowledged: \(ack.outcome.rawValue)")
      forget([pending])
      return .delivered
    } catch {
      switch error {
      case .rejected(let status, let code, let message):
        warnDropped(pending, status: status, code: code, message: message)
        forget([pending])
        return .delivered
      case .retryable(let message): return .retry(message)
      case .unrecoverable: return .fatal(error)
      }
    }
  }

  private func forget(_ answered: [Spool.PendingResult]) {
    spool.acknowledge(answered)
    let now = clock.now
    for pending in answered {
      acknowledgedAt[pending.key] = (sentAt.removeValue(forKey: pending.key) ?? now, now)
    }
  }

  private func warnDropped(_ pending: Spool.PendingResult, status: Int, code: String, message: String) {
    log.warning(
      "result of \(pending.trialId) attempt \(pending.report.attempt) not merged (\(status) \(code)): \(message)")
  }

  /// When the result with this key was first sent and when it was answered (and forgets them).
  func takeDeliveryTimes(_ key: String) -> (sent: Duration, answered: Duration)? {
    acknowledgedAt.removeValue(forKey: key)
  }

  /// Splits the spool into requests of at most ``maxBatch`` reports and about ``maxBatchBytes``.
  static func batches(_ pending: [Spool.PendingResult]) -> [[Spool.PendingResult]] {
    var batches: [[Spool.PendingResult]] = []
    var current: [Spool.PendingResult] = []
    var bytes = 0
    for entry in pending {
      // JSON escaping can grow output text up to six times (\u00XX); metrics are short.
      let size = 512 + 6 * (entry.report.stderrTail?.utf8.count ?? 0) + 96 * entry.report.metrics.count
      if !current.isEmpty && (current.count == maxBatch || bytes + size > maxBatchBytes) {
        batches.append(current)
        current = []
        bytes = 0
      }
      current.append(entry)
      bytes += size
    }
    if !current.isEmpty { batches.append(current) }
    return batches
  }

  /// Resumes every waiter whose results all left the spool (or all, once the sender gave up).
  private func resumeWaiters() {
    for (id, waiter) in waiters where fatal != nil || !spool.isWaiting(any: waiter.keys) {
      waiters.removeValue(forKey: id)
      waiter.continuation.resume()
    }
  }

  /// Waits until these results left the spool (acknowledged or finally rejected), the sender
  /// gave up, or `deadline` passes on the clock. A slot waits for its lease's results before
  /// asking for the next lease, so that the coordinator has closed the lease and counts the slot
  /// as free again.
  func waitUntilDelivered(_ keys: Set<String>, until deadline: Duration) async {
    notify()
    _ = await race({ await self.waitFor(keys) }, deadline: deadline, clock: clock)
  }

  /// Waits until the spool is empty, the sender gave up, or `deadline` passes; returns whether it emptied.
  func flush(until deadline: Duration) async -> Bool {
    notify()
    _ = await race({ await self.waitFor(nil) }, deadline: deadline, clock: clock)
    return spool.isEmpty
  }

  /// Resumes when `keys` (or, for nil, everything) left the spool or the sender gave up; cancellable.
  private func waitFor(_ keys: Set<String>?) async {
    let id = nextWaiter
    nextWaiter += 1
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let keys = keys ?? Set(spool.pending().map(\.key))
        if fatal != nil || !spool.isWaiting(any: keys) || Task.isCancelled {
          continuation.resume()
        } else {
          waiters[id] = (keys, continuation)
        }
      }
    } onCancel: {
      Task { await self.cancelWaiter(id) }
    }
  }

  private func cancelWaiter(_ id: Int) {
    waiters.removeValue(forKey: id)?.continuation.resume()
  }
}
