import Prometheus

/// The Prometheus metrics the coordinator publishes at `/metrics`, on its own registry (no global
/// bootstrap, so several coordinators can live in one test process).
public final class CoordinatorMetrics: Sendable {
  public let registry = PrometheusCollectorRegistry()
  let leasesGranted: Counter
  let leasesExpired: Counter
  let noWork: Counter
  let resultsCompleted: Counter
  let resultsRecorded: Counter
  let resultsRejected: Counter
  let spent: Gauge
  let reserved: Gauge
  let activeWorkers: Gauge
  let activeLeases: Gauge
  let pendingTrials: Gauge

  public init() {
    leasesGranted = registry.makeCounter(
      descriptor: Self.descriptor("sweep_leases_granted_total", "Leases granted to workers."))
    leasesExpired = registry.makeCounter(
      descriptor: Self.descriptor("sweep_leases_expired_total", "Leases that expired without a result."))
    noWork = registry.makeCounter(
      descriptor: Self.descriptor("sweep_lease_requests_no_work_total", "Lease requests answered with no work."))
    resultsCompleted = registry.makeCounter(
      descriptor: Self.descriptor("sweep_results_total", "Result reports by outcome."),
      labels: [("outcome", "completed")])
    resultsRecorded = registry.makeCounter(
      descriptor: Self.descriptor("sweep_results_total", "Result reports by outcome."),
      labels: [("outcome", "recorded")])
    resultsRejected = registry.makeCounter(
      descriptor: Self.descriptor("sweep_results_total", "Result reports by outcome."),
      labels: [("outcome", "rejected")])
    spent = registry.makeGauge(
      descriptor: Self.descriptor("sweep_spent_usd", "Money spent on paid workers, all sweeps."))
    reserved = registry.makeGauge(
      descriptor: Self.descriptor("sweep_reserved_usd", "Money held by open paid leases, all sweeps."))
    activeWorkers = registry.makeGauge(
      descriptor: Self.descriptor("sweep_active_workers", "Workers seen recently and not lost."))
    activeLeases = registry.makeGauge(descriptor: Self.descriptor("sweep_active_leases", "Leases currently held."))
    pendingTrials = registry.makeGauge(
      descriptor: Self.descriptor("sweep_pending_trials", "Trials waiting for a worker."))
  }

  /// A descriptor for a full metric name: the part after the last `_` is its unit.
  static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
    let split = name.lastIndex(of: "_")!
    return MetricNameDescriptor(
      metricName: String(name[..<split]), unitName: String(name[name.index(after: split)...]), helpText: help)
  }

  /// Refreshes the gauges from the store and renders the text format.
  func render(_ gauges: StoreGauges) -> String {
    spent.set(Double(gauges.spent.value) / 1_000_000)
    reserved.set(Double(gauges.reserved.value) / 1_000_000)
    activeWorkers.set(Double(gauges.activeWorkers))
    activeLeases.set(Double(gauges.activeLeases))
    pendingTrials.set(Double(gauges.pendingTrials))
    return registry.emitToString()
  }
}
