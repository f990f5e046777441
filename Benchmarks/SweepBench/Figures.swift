import Foundation
import Histogram

/// Repeated measurements of one quantity: the median is reported, with min and max.
struct Sample: Codable, Sendable {
  var values: [Double]
  var median: Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }
  var min: Double { values.min() ?? .nan }
  var max: Double { values.max() ?? .nan }

  /// "1,234 (1,100–1,300)"
  func text(_ digits: Int = 0) -> String {
    "\(Self.format(median, digits)) (\(Self.format(min, digits))–\(Self.format(max, digits)))"
  }

  static func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.\(digits)f", value)
  }
}

/// One scenario's result row: its parameters and its figures.
struct ResultRow: Codable, Sendable {
  var scenario: String
  var parameters: [String: String]
  var figures: [String: Sample]
  var notes: [String] = []
}

/// Latency percentiles from an HDR histogram of microseconds.
struct Latency: Codable, Sendable {
  var p50: Double
  var p99: Double
  var p999: Double
  var count: Int

  init(micros: [UInt64]) {
    var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    for value in micros { histogram.record(Swift.min(value, 600_000_000)) }
    p50 = Double(histogram.valueAtPercentile(50)) / 1000
    p99 = Double(histogram.valueAtPercentile(99)) / 1000
    p999 = Double(histogram.valueAtPercentile(99.9)) / 1000
    count = micros.count
  }
}

/// Memory of a process, from /proc.
enum Memory {
  /// Peak resident set size of a process, in MiB (VmHWM).
  static func peakMiB(pid: Int32? = nil) -> Double { statusMiB("VmHWM:", pid: pid) }

  /// Current resident set size in MiB (VmRSS).
  static func currentMiB(pid: Int32? = nil) -> Double { statusMiB("VmRSS:", pid: pid) }

  /// A "kB" line of /proc/PID/status, in MiB.
  private static func statusMiB(_ key: String, pid: Int32?) -> Double {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let status = try? String(contentsOfFile: path, encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
      let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kilobytes / 1024
  }

  /// Resets this process's peak RSS to its current RSS (Linux ≥ 4.0), so a scenario's peak is its own.
  static func resetPeak() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
  }
}

/// Wall time of a block, in seconds.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
  let start = ContinuousClock.now
  try await body()
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
