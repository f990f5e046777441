import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared
import SpecReading

extension APIRouter {
  static func addSweepRoutes(_ router: Router<BasicRequestContext>, _ env: APIEnvironment) {
    router.post("/v1/sweeps") { request, _ in
      try await env.authenticator.requireAdmin(request)
      let contentType = request.headers[.contentType]?.lowercased() ?? ""
      let format: DocumentFormat?
      if contentType.hasPrefix("application/json") {
        format = .json
      } else if contentType.contains("yaml") {
        format = .yaml
      } else if contentType.isEmpty || contentType.hasPrefix("text/plain") {
        format = nil
      } else {
        throw APIError(
          .unsupportedMediaType, "unsupported_media_type",
          "expected a spec as application/json or application/yaml, got '\(contentType)'")
      }
      let buffer = try await env.body(request)
      guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
        throw APIError(.badRequest, "not_utf8", "the spec is not UTF-8 text")
      }
      let spec: SweepSpec
      do {
        spec = try SpecDecoder.decode(text, file: "<request>", format: format)
      } catch let error as SpecValidationError {
        throw APIError(
          .unprocessableContent, "invalid_spec", "the spec has \(error.diagnostics.count) problem(s)",
          errors: error.lines)
      }
      let plan = SweepPlan(spec: spec)
      let created = try await env.store.createSweep(
        id: RandomID.make("sw-", bytes: 6), spec: spec, plan: plan, specText: text, now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(created, status: .created)
    }
    router.get("/v1/sweeps") { request, _ in
      try await env.authenticator.requireAdmin(request)
      return try JSONResponse.make(SweepList(sweeps: try await env.store.listSweeps()))
    }
    router.get("/v1/sweeps/{id}") { request, context in
      try await env.authenticator.requireAdmin(request)
      return try JSONResponse.make(try await env.store.sweepStatus(id: try parameter(context, "id")))
    }
    router.post("/v1/sweeps/{id}/cancel") { request, context in
      try await env.authenticator.requireAdmin(request)
      let status = try await env.store.cancelSweep(id: try parameter(context, "id"), now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(status)
    }
    router.get("/v1/sweeps/{id}/results") { request, context in
      try await env.authenticator.requireAdmin(request)
      let id = try parameter(context, "id")
      let query = request.uri.queryParameters
      let format = query["format"].map(String.init) ?? "jsonl"
      guard format == "jsonl" || format == "csv" else {
        throw APIError(.badRequest, "invalid_format", "format: expected jsonl or csv, got '\(format)'")
      }
      let best = query["best"].map { $0 == "true" || $0 == "1" } ?? false
      let domain = query["domain"].map(String.init)
      let text = try await ResultExport.render(
        store: env.store, query: ResultQuery(sweepID: id, domain: domain, bestOnly: best), csv: format == "csv")
      return JSONResponse.text(text, contentType: format == "csv" ? "text/csv" : "application/x-ndjson")
    }
  }
}

/// Renders a sweep's results as JSON lines or CSV.
public enum ResultExport {
  public static func render(store: any SweepStore, query: ResultQuery, csv: Bool) async throws -> String {
    let status = try await store.sweepStatus(id: query.sweepID)
    if let domain = query.domain, !status.domains.contains(where: { $0.domain == domain }) {
      throw APIError(
        .notFound, "domain_not_found",
        "no domain '\(domain)' in sweep '\(query.sweepID)'; it has \(status.domains.map(\.domain).joined(separator: ", "))"
      )
    }
    let collected = TextCollector()
    if csv {
      let (params, metrics) = try await store.resultColumns(sweepID: query.sweepID)
      let header = (["domain"] + params + metrics + ResultRecord.trailingColumns).joined(separator: ",")
      collected.append(header + "\n")
      try await store.exportResults(query) { records in
        for record in records { collected.append(record.csvRow(params: params, metrics: metrics) + "\n") }
      }
    } else {
      try await store.exportResults(query) { records in
        for record in records { collected.append(record.jsonLine + "\n") }
      }
    }
    return collected.text
  }
}

/// Accumulates text from the export sink.
final class TextCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var parts: [String] = []

  func append(_ text: String) {
    lock.lock()
    parts.append(text)
    lock.unlock()
  }

  var text: String {
    lock.lock()
    defer { lock.unlock() }
    return parts.joined()
  }
}
