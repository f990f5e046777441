import Shared

/// Uploads waiting archives (``UploadQueue``) one at a time, apart from results: a slow upload of
/// a 50 MB adapter never holds up a result's acknowledgement.
///
/// An archive goes only after its attempt's result was acknowledged (the coordinator keeps the
/// output of a trial's result, so it must know the result first); until then it waits.
///
/// Retry policy: retryable failures (network, 5xx, 429, and `result_pending`: the result has not
/// reached the coordinator yet) are retried with ``Backoff`` until the upload succeeds or the
/// worker stops (the archive stays in the spool for the next start); a digest mismatch (damaged
/// on the way) is retried up to 3 times; other rejections (too large, unsafe, not the trial's
/// result, unknown trial) are final: the entry is dropped with a log line and the output folder
/// stays on this worker.
actor ArtifactUploader: WakeableLoop {
  let queue: UploadQueue
  let api: any CoordinatorAPI
  let clock: any WorkerClock
  let log: WorkerLog
  /// Whether the attempt's result still waits in the spool (trial id, attempt).
  let resultPending: @Sendable (String, Int) -> Bool
  var wake = WakeFlag()
  private var mismatches: [String: Int] = [:]
  private var idleWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
  private var nextWaiter = 0

  init(
    queue: UploadQueue, api: any CoordinatorAPI, clock: any WorkerClock, log: WorkerLog,
    resultPending: @escaping @Sendable (String, Int) -> Bool = { _, _ in false }
  ) {
    self.resultPending = resultPending
    self.queue = queue
    self.api = api
    self.clock = clock
    self.log = log
  }

  /// Runs until cancelled.
  func run() async {
    var backoff = Backoff()
    while !Task.isCancelled {
      if !wake.isPending { resumeIdleWaiters() }  // nothing left to try: a flush may return
      await sleepUntilNotified()
      if Task.isCancelled { return }
      for entry in queue.pending() {
        if Task.isCancelled { return }
        switch await upload(entry) {
        case .done:
          backoff.reset()
        case .retry(let message):
          let delay = backoff.next()
          log.warning("cannot upload the output of \(entry.trialId) yet (\(message)); retrying in \(delay)")
          wake.notify()
          try? await clock.sleep(for: delay)
        case .stop:
          return
        }
        if wake.isPending { break }
      }
    }
  }

  private enum Step {
    case done
    case retry(String)
    case stop
  }

  private func upload(_ entry: UploadQueue.Entry) async -> Step {
    if resultPending(entry.trialId, entry.attempt) { return .retry("its result is not acknowledged yet") }
    do throws(ClientError) {
      let ack = try await api.uploadArtifact(entry, archive: queue.archivePath(entry.key))
      log.info(
        "output of \(entry.trialId) attempt \(entry.attempt) uploaded (\(entry.bytes) bytes, sha256 \(entry.sha256.prefix(12))…)\(ack.kept ? "" : "; the coordinator does not keep it (not among the best)")"
      )
      queue.remove(entry)
      return .done
    } catch {
      switch error {
      case .retryable(let message), .rejected(_, "result_pending", let message):
        return .retry(message)
      case .rejected(_, "digest_mismatch", let message):
        mismatches[entry.key, default: 0] += 1
        if mismatches[entry.key, default: 0] < 3 { return .retry(message) }
        log.error("giving up the upload of \(entry.trialId) after 3 damaged transfers; it stays in \(entry.folder)")
        queue.remove(entry)
        return .done
      case .rejected(let status, let code, let message):
        log.error(
          "the coordinator refused the output of \(entry.trialId) (\(status) \(code)): \(message); it stays in \(entry.folder)"
        )
        queue.remove(entry)
        return .done
      case .unrecoverable:
        log.error("uploads stop: \(error.description)")
        return .stop
      }
    }
  }

  /// Returns once nothing waits to be uploaded, or at `deadline` (false: some are left).
  func flush(until deadline: Duration) async -> Bool {
    notify()
    while !queue.isEmpty {
      if clock.now >= deadline { return false }
      let finished = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await self.waitIdle() }
        group.addTask { [clock] in
          try? await clock.sleep(until: deadline)
          return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
      }
      if !finished { return queue.isEmpty }
    }
    return true
  }

  /// True once the uploader has nothing left to try; false when cancelled first.
  private func waitIdle() async -> Bool {
    let id = nextWaiter
    nextWaiter += 1
    return await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        if Task.isCancelled {
          continuation.resume(returning: false)
        } else {
          idleWaiters[id] = continuation
        }
      }
    } onCancel: {
      Task { await self.cancelWaiter(id) }
    }
  }

  private func cancelWaiter(_ id: Int) { idleWaiters.removeValue(forKey: id)?.resume(returning: false) }

  private func resumeIdleWaiters() {
    let waiting = idleWaiters
    idleWaiters = [:]
    for waiter in waiting.values { waiter.resume(returning: true) }
  }
}
