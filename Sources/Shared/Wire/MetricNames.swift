/// Metric names a trial may not use as they are, because a results row already has a column of
/// that name (`cost`, `timestamp`, `domain`, a parameter such as `rank`, …). Such a metric is kept,
/// under `metric.NAME`, rather than dropped or allowed to overwrite the column; the worker notes
/// the rename in the trial's log tail. `epoch` and `step` are progress, not columns.
public enum MetricNames {
  public static let prefix = "metric."

  /// The metrics with colliding names moved under ``prefix``, and the names that were moved.
  public static func resolve(_ metrics: [String: Double], parameters: some Sequence<String>) -> (
    metrics: [String: Double], renamed: [String]
  ) {
    let taken = SweepSpec.reservedNames.union(parameters)
    guard metrics.keys.contains(where: taken.contains) else { return (metrics, []) }
    var out: [String: Double] = [:]
    var renamed: [String] = []
    for (name, value) in metrics {
      if taken.contains(name) {
        out[prefix + name] = value
        renamed.append(name)
      } else {
        out[name] = value
      }
    }
    return (out, renamed.sorted())
  }

  /// Why a run that exited 0 is still a failure: it never reported the sweep's objective.
  public static func missingObjective(_ objective: String, in metrics: [String: Double]) -> String? {
    guard metrics[objective] == nil else { return nil }
    let last = metrics.sorted { $0.key < $1.key }.prefix(8).map { "\($0.key)=\(shortNumber($0.value))" }
    return
      "objective '\(objective)' never reported (last metrics: \(last.isEmpty ? "none" : last.joined(separator: ", ")))"
  }

  /// At most four decimals: enough to recognise a value in a message.
  public static func shortNumber(_ value: Double) -> String {
    let rounded = (value * 10_000).rounded() / 10_000
    if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
    return String(rounded)
  }
}
