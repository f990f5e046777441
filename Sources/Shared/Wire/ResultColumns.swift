/// The columns of an exported result row (`sweep results`, `GET /v1/sweeps/{id}/results`): the
/// domain, the parameters in spec order, the metrics sorted, then these bookkeeping columns.
public enum ResultColumns {
  public static let trailing = [
    "cost", "timestamp", "sweep", "trial_id", "status", "attempt", "duration_s", "worker", "provider",
    "hourly_cost_usd", "started_at", "finished_at", "stage", "origin", "error", "exit_code",
  ]
  /// In JSON exports only, after ``trailing``: the failed attempt's output tail.
  public static let jsonOnly = ["stderr_tail"]
}
