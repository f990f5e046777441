import Shared

/// Sends spooled results until each is acknowledged, several per request when several are
/// waiting (`POST /v1/results`), so that fast trials and a spool that filled up during an outage
/// cost one round trip per batch instead of one per attempt.
///
/// Retry policy: retryable failures (network, 5xx, 429, of the whole request or of one report in
/// it) are retried forever with exponential backoff and jitter, so a coordinator that is down for
/// ten minutes loses nothing; a definite rejection of one report (409 already completed, 404) is
/// final and the entry is dropped with a log line; if the coordinator refuses the batch request
/// itself, the batch is sent again one report per request; unrecoverable errors stop the worker.
actor ResultSender {
  let spool: Spool
  let client: CoordinatorClient
  let log: WorkerLog
  private var wakeUp: CheckedContinuation<Void, Never>?
  private var dirty = true
  private(set) var fatal: ClientError?
  /// Acknowledged (trial, attempt) pairs, for the agent's summary and tests.
  private(set) var acknowledged: [String] = []

  /// Most reports per request, and a bound on their estimated JSON size that keeps a batch well
  /// inside the coordinator's 1 MiB body limit even when every report carries an 8 KiB output tail.
  static let maxBatch = 64
  static let maxBatchBytes = 256 << 10

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
      for batch in Self.batches(spool.pending()) {
        if Task.isCancelled { return }
        let delivery = await send(batch)
        switch delivery {
        case .delivered:
          backoff.reset()
        case .retry(let message):
          let delay = backoff.next()
          log.warning("cannot deliver results yet (\(message)); retrying in \(delay)")
          dirty = true
          try? await Task.sleep(for: delay)
        case .fatal(let error):
          fatal = error
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
  private func send(_ batch: [Spool.PendingResult]) async -> Delivery {
    if batch.count == 1 { return await sendAlone(batch[0]) }
    let response: ResultBatchResponse
    do {
      response = try await client.reportBatch(batch.map { BatchedResult(trialId: $0.trialId, report: $0.report) })
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
    var answered = 0
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
        delivered(pending, ack)
        answered += 1
      } else if outcome.status == 429 || outcome.status >= 500 {
        retry =
          retry ?? "the coordinator answered \(outcome.status) for \(pending.trialId): \(outcome.error?.message ?? "")"
      } else {
        dropped(pending, status: outcome.status, code: outcome.error?.code ?? "", message: outcome.error?.message ?? "")
        answered += 1
      }
    }
    log.info("\(answered) of \(batch.count) results answered in one request")
    return retry.map(Delivery.retry) ?? .delivered
  }

  private func sendAlone(_ pending: Spool.PendingResult) async -> Delivery {
    do {
      delivered(pending, try await client.report(trialID: pending.trialId, pending.report))
      return .delivered
    } catch {
      switch error {
      case .rejected(let status, let code, let message):
        dropped(pending, status: status, code: code, message: message)
        return .delivered
      case .retryable(let message): return .retry(message)
      case .unrecoverable: return .fatal(error)
      }
    }
  }

  private func delivered(_ pending: Spool.PendingResult, _ ack: ResultAck) {
    spool.acknowledge(pending)
    acknowledged.append("\(pending.trialId)#\(pending.report.attempt)")
    log.info("result of \(pending.trialId) attempt \(pending.report.attempt) acknowledged: \(ack.outcome.rawValue)")
  }

  private func dropped(_ pending: Spool.PendingResult, status: Int, code: String, message: String) {
    spool.acknowledge(pending)
    log.warning(
      "result of \(pending.trialId) attempt \(pending.report.attempt) not merged (\(status) \(code)): \(message)")
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
