import Shared

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The metrics protocol (docs/metrics-protocol.md): a line that is a JSON object whose values are
/// all finite numbers is a metrics report; anything else is ordinary log output.
public enum MetricsLine {
  /// The numbers of a metrics line, or `nil` when the line is ordinary output.
  public static func parse(_ line: String) -> [String: Double]? {
    let trimmed = String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    guard trimmed.first == "{", trimmed.last == "}", trimmed.utf8.count <= 65_536 else { return nil }
    guard let object = try? JSONDecoder().decode([String: Double].self, from: Data(trimmed.utf8)) else { return nil }
    guard !object.isEmpty, object.values.allSatisfy({ $0.isFinite }) else { return nil }
    return object
  }
}

/// What a trial has reported so far: the last value of each metric is its final value; `epoch`
/// and `step` mark progress. A metric whose name is a result column (or one of the trial's
/// parameters) is kept under `metric.NAME` (``MetricNames``).
public struct MetricsState: Sendable, Equatable {
  public private(set) var latest: [String: Double] = [:]
  public private(set) var epoch: Double?
  public private(set) var step: Double?
  /// Bumped on every report, so a heartbeat can tell whether anything new arrived.
  public private(set) var revision = 0
  /// Names reported that collide with result columns, moved under `metric.`.
  public private(set) var renamed: Set<String> = []
  private let parameters: Set<String>

  public init(parameters: Set<String> = []) { self.parameters = parameters }

  public mutating func record(_ reported: [String: Double]) {
    let (metrics, renamed) = MetricNames.resolve(reported, parameters: parameters)
    self.renamed.formUnion(renamed)
    for (name, value) in metrics {
      switch name {
      case "epoch": epoch = value
      case "step": step = value
      default: latest[name] = value
      }
    }
    revision += 1
  }
}
