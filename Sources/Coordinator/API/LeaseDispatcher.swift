import ServiceLifecycle
import Shared

/// Answers long-polling lease requests. A request that finds no work waits (up to its `wait`);
/// when work appears — a sweep submitted, a lease released or expired, a trial re-queued — the
/// waiting workers are served in placement order: free first, then the paid worker with the
/// lowest expected cost per trial. No busy loop: waiters sleep on continuations.
public actor LeaseDispatcher {
  struct Waiter {
    var candidate: PlacementCandidate
    var continuation: CheckedContinuation<GrantOutcome, Never>
    /// Answers the request when its wait is over; cancelled as soon as it is answered otherwise,
    /// so that a served long-poll leaves no sleeping task behind.
    var timer: Task<Void, Never>
  }

  let store: any SweepStore
  let clock: any WallClock
  let policy: LeasePolicy
  let metrics: CoordinatorMetrics
  private var waiters: [UInt64: Waiter] = [:]
  private var arrivals: UInt64 = 0
  private var pumping = false
  private var wakeAgain = false

  public init(store: any SweepStore, clock: any WallClock, policy: LeasePolicy, metrics: CoordinatorMetrics) {
    self.store = store
    self.clock = clock
    self.policy = policy
    self.metrics = metrics
  }

  /// Grants a lease now, or waits up to `wait` for one. Budget refusals answer at once so that a
  /// paid worker can count its idle time.
  public func request(worker: WorkerRecord, wait: Duration) async throws -> GrantOutcome {
    let outcome = try await grant(worker.id)
    guard case .noWork(let reason, _) = outcome, reason == .noPendingTrials, wait > .zero else { return outcome }
    arrivals += 1
    let id = arrivals
    let expected = try await store.expectedTrialDuration(workerID: worker.id)
    let candidate = PlacementCandidate(
      workerID: worker.id, slotRate: LeaseMeter.slotRate(hourly: worker.hourlyRate, slots: worker.slots),
      expectedTrial: expected, arrival: id)
    // A graceful shutdown answers the waiting request at once, so that the HTTP server, which
    // waits for requests in flight, is not held up by long-polls.
    return await withGracefulShutdownHandler {
      await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
          let timer = Task { [weak self] in
            do { try await Task.sleep(for: wait) } catch { return }
            await self?.timeOut(id, outcome: outcome)
          }
          waiters[id] = Waiter(candidate: candidate, continuation: continuation, timer: timer)
        }
      } onCancel: {
        Task { [weak self] in await self?.timeOut(id, outcome: outcome) }
      }
    } onGracefulShutdown: {
      Task { [weak self] in await self?.timeOut(id, outcome: outcome) }
    }
  }

  /// Number of requests waiting for work (for tests and metrics).
  public var waiting: Int { waiters.count }

  private func timeOut(_ id: UInt64, outcome: GrantOutcome) {
    guard answer(id, with: outcome) else { return }
    metrics.noWork.increment()
  }

  /// Answers a waiting request and stops its timer; returns whether it was still waiting.
  @discardableResult
  private func answer(_ id: UInt64, with outcome: GrantOutcome) -> Bool {
    guard let waiter = waiters.removeValue(forKey: id) else { return false }
    waiter.timer.cancel()
    waiter.continuation.resume(returning: outcome)
    return true
  }

  private func grant(_ workerID: String) async throws -> GrantOutcome {
    let outcome = try await store.grantLease(workerID: workerID, now: clock.now, policy: policy)
    switch outcome {
    case .granted: metrics.leasesGranted.increment()
    case .noWork(let reason, _) where reason != .noPendingTrials: metrics.noWork.increment()
    case .noWork: break
    }
    return outcome
  }

  /// Work may have appeared: serve the waiting workers in placement order until it runs out.
  public func wake() async {
    guard !pumping else {
      wakeAgain = true
      return
    }
    pumping = true
    defer { pumping = false }
    repeat {
      wakeAgain = false
      // a waiter's key is its candidate's arrival number
      for id in PlacementCandidate.ordered(waiters.values.map(\.candidate)).map(\.arrival) {
        guard let waiter = waiters[id] else { continue }
        let outcome: GrantOutcome
        do {
          outcome = try await grant(waiter.candidate.workerID)
        } catch {
          continue
        }
        if case .noWork(.noPendingTrials, _) = outcome { break }
        if case .noWork(.budgetExhausted, _) = outcome, waiter.candidate.slotRate.isFree == false {
          // a free worker further down the list may still take the work
          answer(id, with: outcome)
          continue
        }
        guard answer(id, with: outcome) else {
          // the request timed out while we granted: give the lease back to the queue
          if case .granted(let grant) = outcome {
            _ = try? await store.release(
              leaseID: grant.leaseId, workerID: waiter.candidate.workerID,
              request: ReleaseRequest(fencingToken: grant.fencingToken), now: clock.now)
          }
          continue
        }
      }
    } while wakeAgain
  }

  /// Answers every waiting request (graceful shutdown).
  public func drain() {
    for id in Array(waiters.keys) {
      answer(id, with: .noWork(.noPendingTrials, "the coordinator is shutting down"))
    }
  }
}
