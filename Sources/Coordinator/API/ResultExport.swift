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
  /// Rows per page (one read transaction each).
  public var pageSize = 2_000

  public init(store: any SweepStore, query: ResultQuery, csv: Bool) {
    self.store = store
    self.query = query
    self.csv = csv
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
  }

  /// Hands the export to `emit` in pieces (the CSV header, then one piece per page).
  public func write(_ emit: (String) async throws -> Void) async throws {
    var columns: (params: [String], metrics: [String]) = ([], [])
    if csv {
      columns = try await store.resultColumns(sweepID: query.sweepID)
      try await emit(
        (["domain"] + columns.params + columns.metrics + ResultRecord.trailingColumns).joined(separator: ",") + "\n")
    }
    var cursor: ResultCursor? = nil
    repeat {
      let page = try await store.exportResults(query, after: cursor, limit: pageSize)
      var text = ""
      for record in page.records {
        text += csv ? record.csvRow(params: columns.params, metrics: columns.metrics) : record.jsonLine
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
