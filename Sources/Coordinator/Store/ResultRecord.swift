import Foundation
import Shared

/// One finished trial as exported: the study's flat record plus provenance.
public struct ResultRecord: Hashable, Sendable {
  public var sweepID: String
  public var domain: String
  public var trialID: String
  public var params: [(String, ParameterValue)]
  public var metrics: [(String, Double)]
  /// What every attempt of the trial cost.
  public var cost: MicroDollars
  public var status: String
  public var attempt: Int
  public var durationSeconds: Double?
  public var worker: String?
  public var provider: String?
  public var hourlyRate: HourlyRate?
  public var startedAt: Timestamp?
  public var finishedAt: Timestamp?
  /// The stage's name in a sweep with stages, else `nil`.
  public var stage: String?
  /// Where the trial came from: `sampled`, `transferred`, `promoted` or `proposed`.
  public var origin: String
  /// Why the exported attempt failed (status, exit code, the reason or last line); nil when it did not.
  public var error: String? = nil
  /// The exported attempt's exit code (128 + N when killed by signal N).
  public var exitCode: Int? = nil
  /// The last lines of the exported attempt's output (JSON export only).
  public var stderrTail: String? = nil

  public init(
    sweepID: String, domain: String, trialID: String, params: [(String, ParameterValue)], metrics: [(String, Double)],
    cost: MicroDollars, status: String, attempt: Int, durationSeconds: Double?, worker: String?, provider: String?,
    hourlyRate: HourlyRate?, startedAt: Timestamp?, finishedAt: Timestamp?, stage: String? = nil,
    origin: String = TrialOrigin.sampled.rawValue
  ) {
    self.stage = stage
    self.origin = origin
    self.sweepID = sweepID
    self.domain = domain
    self.trialID = trialID
    self.params = params
    self.metrics = metrics
    self.cost = cost
    self.status = status
    self.attempt = attempt
    self.durationSeconds = durationSeconds
    self.worker = worker
    self.provider = provider
    self.hourlyRate = hourlyRate
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }

  public static func == (lhs: ResultRecord, rhs: ResultRecord) -> Bool { lhs.jsonLine == rhs.jsonLine }
  public func hash(into hasher: inout Hasher) { hasher.combine(jsonLine) }

  /// The `results.jsonl` line: `domain`, every parameter, every metric, `cost` (USD), `timestamp`,
  /// then `sweep`, `trial_id`, `status`, `attempt`, `duration_s`, `worker`, `provider`,
  /// `hourly_cost_usd`, `started_at`, `finished_at`, `stage`, `origin`, `error`, `exit_code` and
  /// `stderr_tail` (JSON only: it is many lines).
  public var json: JSONValue {
    var entries: [(String, JSONValue)] = [("domain", .string(domain))]
    entries += params.map { ($0.0, $0.1.json) }
    entries += metrics.map { ($0.0, .double($0.1)) }
    entries.append(("cost", .double(Double(cost.value) / 1_000_000)))
    entries.append(("timestamp", finishedAt.map { .string($0.iso8601) } ?? .null))
    entries.append(("sweep", .string(sweepID)))
    entries.append(("trial_id", .string(trialID)))
    entries.append(("status", .string(status)))
    entries.append(("attempt", .int(Int64(attempt))))
    entries.append(("duration_s", durationSeconds.map { .double(($0 * 1000).rounded() / 1000) } ?? .null))
    entries.append(("worker", worker.map(JSONValue.string) ?? .null))
    entries.append(("provider", provider.map(JSONValue.string) ?? .null))
    entries.append(
      ("hourly_cost_usd", hourlyRate.map { .double(Double($0.microDollarsPerHour) / 1_000_000) } ?? .null))
    entries.append(("started_at", startedAt.map { .string($0.iso8601) } ?? .null))
    entries.append(("finished_at", finishedAt.map { .string($0.iso8601) } ?? .null))
    entries.append(("stage", stage.map(JSONValue.string) ?? .null))
    entries.append(("origin", .string(origin)))
    entries.append(("error", error.map(JSONValue.string) ?? .null))
    entries.append(("exit_code", exitCode.map { .int(Int64($0)) } ?? .null))
    entries.append(("stderr_tail", stderrTail.map(JSONValue.string) ?? .null))
    return .object(entries)
  }

  public var jsonLine: String { json.serialized() }

  /// The fixed CSV columns after the parameters and metrics.
  public static var trailingColumns: [String] { ResultColumns.trailing }

  /// One CSV row for the given parameter and metric columns (RFC 4180 quoting).
  public func csvRow(params paramColumns: [String], metrics metricColumns: [String]) -> String {
    csvFields(params: paramColumns, metrics: metricColumns).map { Self.csvField($0.1) }.joined(separator: ",")
  }

  /// The CSV columns by name, in order, unquoted.
  func csvFields(params paramColumns: [String], metrics metricColumns: [String]) -> [(String, String)] {
    let paramValues = Dictionary(params.map { ($0.0, $0.1.canonical) }, uniquingKeysWith: { a, _ in a })
    let metricValues = Dictionary(metrics.map { ($0.0, $0.1.description) }, uniquingKeysWith: { a, _ in a })
    var fields = [("domain", domain)]
    fields += paramColumns.map { ($0, paramValues[$0] ?? "") }
    fields += metricColumns.map { ($0, metricValues[$0] ?? "") }
    let trailing = [
      cost.decimalString, finishedAt?.iso8601 ?? "", sweepID, trialID, status, String(attempt),
      durationSeconds.map { String(($0 * 1000).rounded() / 1000) } ?? "", worker ?? "", provider ?? "",
      hourlyRate.map { MicroDollars($0.microDollarsPerHour).decimalString } ?? "", startedAt?.iso8601 ?? "",
      finishedAt?.iso8601 ?? "", stage ?? "", origin, error ?? "", exitCode.map(String.init) ?? "",
    ]
    fields += zip(Self.trailingColumns, trailing).map { ($0, $1) }
    return fields
  }

  /// Only `columns`, in their order: a JSON line, or a CSV row (a column this record lacks, such
  /// as a metric it did not report, is null or empty).
  public func projected(_ columns: [String], csv: Bool, params: [String], metrics: [String]) -> String {
    if csv {
      let fields = Dictionary(csvFields(params: params, metrics: metrics), uniquingKeysWith: { a, _ in a })
      return columns.map { Self.csvField(fields[$0] ?? "") }.joined(separator: ",")
    }
    guard case .object(let entries) = json else { return jsonLine }
    let values = Dictionary(entries, uniquingKeysWith: { a, _ in a })
    return JSONValue.object(columns.map { ($0, values[$0] ?? .null) }).serialized()
  }

  static func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
