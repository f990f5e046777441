import Foundation
import Hummingbird
import NIOCore
import Shared

/// A sweep's results as JSON lines or CSV, produced a page at a time so that memory does not
/// grow with the number of rows.
public struct ResultExport: Sendable {
  public let store: any SweepStore
  public let query: ResultQuery
  public let csv: Bool
  /// Only these columns, in this order (`columns=` or `format=seed`); nil: every column.
  public let columns: Selection?
  /// Rows per page (one read transaction each).
  public var pageSize = 2_000

  /// Which columns an export keeps.
  public enum Selection: Hashable, Sendable {
    /// Named columns, in order.
    case named([String])
    /// The study's own row: `domain`, the parameters, the metrics, `cost`, `timestamp`.
    case seed
  }

  public init(store: any SweepStore, query: ResultQuery, csv: Bool, columns: Selection? = nil) {
    self.store = store
    self.query = query
    self.csv = csv
    self.columns = columns
  }

  /// Throws 404 for an unknown sweep or domain.
  public func validate() async throws {
    let status = try await store.sweepStatus(id: query.sweepID)
    if let domain = query.domain, !status.domains.contains(where: { $0.domain == domain }) {
      throw APIError(
        .notFound, "domain_not_found",
        "no domain '\(domain)' in sweep '\(query.sweepID)'; it has \(status.domains.map(\.domain).joined(separator: ", "))"
      )
    }
    if case .named(let names) = columns {
      let available = try await store.resultColumns(sweepID: query.sweepID)
      let known =
        ["domain"] + available.params + available.metrics + [status.objective.metric] + ResultRecord.trailingColumns
        + (csv ? [] : ResultColumns.jsonOnly)
      guard !names.isEmpty else {
        throw APIError(
          .unprocessableContent, "unknown_column", "columns: empty; expected names such as domain,accuracy")
      }
      for name in names where !known.contains(name) {
        let hint = Identifier.suggestion(for: name, among: known).map { "; did you mean '\($0)'?" } ?? ""
        throw APIError(
          .unprocessableContent, "unknown_column",
          "columns: '\(name)' is not a column of this sweep's results (\(Self.unique(known).joined(separator: ", ")))\(hint)"
        )
      }
    }
  }

  private static func unique(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }

  /// The selected columns' names for a sweep with these parameters and metrics.
  func selectedColumns(params: [String], metrics: [String]) -> [String]? {
    switch columns {
    case nil: nil
    case .named(let names): names
    case .seed: ["domain"] + params + metrics + ["cost", "timestamp"]
    }
  }

  /// Hands the export to `emit` in pieces (the CSV header, then one piece per page).
  public func write(_ emit: (String) async throws -> Void) async throws {
    var available: (params: [String], metrics: [String]) = ([], [])
    if csv || columns != nil { available = try await store.resultColumns(sweepID: query.sweepID) }
    let selected = selectedColumns(params: available.params, metrics: available.metrics)
    if csv {
      let header = selected ?? (["domain"] + available.params + available.metrics + ResultRecord.trailingColumns)
      try await emit(header.map(ResultRecord.csvField).joined(separator: ",") + "\n")
    }
    var cursor: ResultCursor? = nil
    repeat {
      let page = try await store.exportResults(query, after: cursor, limit: pageSize)
      var text = ""
      for record in page.records {
        if let selected {
          text += record.projected(selected, csv: csv, params: available.params, metrics: available.metrics)
        } else {
          text += csv ? record.csvRow(params: available.params, metrics: available.metrics) : record.jsonLine
        }
        text += "\n"
      }
      if !text.isEmpty { try await emit(text) }
      cursor = page.next
    } while cursor != nil
  }

  /// The whole export as one string (for small sweeps: the demo, tests).
  public func render() async throws -> String {
    try await validate()
    var text = ""
    try await write { text += $0 }
    return text
  }
}
