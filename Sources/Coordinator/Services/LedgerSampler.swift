import Logging
import ServiceLifecycle
import Shared

/// Samples every running sweep's ledger on an interval, as a Service, so that the dashboard can
/// draw spend and holds against the budget over time. A sample is written only when the ledger
/// changed since the last one: a sweep that waits writes nothing.
public struct LedgerSampler: Service {
  let store: any DashboardStore
  let clock: any WallClock
  let interval: Duration
  let logger: Logger

  public init(store: any DashboardStore, clock: any WallClock, interval: Duration, logger: Logger) {
    self.store = store
    self.clock = clock
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      await runOnce()
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
  }

  public func runOnce() async {
    do {
      try await store.sampleLedgers(now: clock.now)
    } catch {
      logger.warning("ledger sampling failed: \(error)")
    }
  }
}
