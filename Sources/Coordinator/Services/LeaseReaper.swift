import Logging
import ServiceLifecycle
import Shared

/// Expires leases whose TTL or paid time ran out, on an interval, as a Service: it stops on
/// graceful shutdown and never starts work from an initialiser.
public struct LeaseReaper: Service {
  let store: any SweepStore
  let clock: any WallClock
  let dispatcher: LeaseDispatcher
  let metrics: CoordinatorMetrics
  let interval: Duration
  let logger: Logger
  /// Asked first on every pass, so that leases the coordinator's own absence let lapse are
  /// re-armed before they could be expired.
  let absence: AbsenceMonitor?
  /// Its TTL is the idle window of a paid worker that made no `--max-idle` promise.
  let policy: LeasePolicy

  public init(
    store: any SweepStore, clock: any WallClock, dispatcher: LeaseDispatcher, metrics: CoordinatorMetrics,
    interval: Duration, logger: Logger, absence: AbsenceMonitor? = nil, policy: LeasePolicy
  ) {
    self.absence = absence
    self.policy = policy
    self.store = store
    self.clock = clock
    self.dispatcher = dispatcher
    self.metrics = metrics
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
      if Task.isShuttingDownGracefully || Task.isCancelled { break }
      await runOnce()
    }
    await dispatcher.drain()
  }

  /// One pass: expire what is due and wake waiting workers for the re-queued trials.
  @discardableResult
  public func runOnce() async -> ReapSummary {
    await absence?.check()
    do {
      let summary = try await store.reap(now: clock.now)
      if summary.expiredLeases > 0 {
        metrics.leasesExpired.increment(by: Int64(summary.expiredLeases))
        logger.info(
          "expired \(summary.expiredLeases) lease(s): \(summary.requeuedTrials) trial(s) re-queued, \(summary.failedTrials) failed, \(summary.lostWorkers) worker(s) lost"
        )
        await dispatcher.wake()
      }
      let closed = try await store.closeSilentBills(now: clock.now, policy: policy)
      if closed > 0 {
        logger.warning(
          "\(closed) paid worker(s) silent past their --max-idle: billed up to the moment they promised to stop; their idle holds given back"
        )
      }
      return summary
    } catch {
      logger.error("lease reaper failed: \(error)")
      return ReapSummary()
    }
  }
}
