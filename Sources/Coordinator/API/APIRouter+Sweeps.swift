import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared
import SpecReading

extension APIRouter {
  static func addSweepRoutes(_ routes: Routes, _ env: APIEnvironment) {
    routes.admin.post("/v1/sweeps") { request, _ in
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
      let created = try await store(spec, text: text, env)
      // A million-trial plan was just freed: hand its pages back to the OS, or the coordinator
      // keeps the submit's peak as its resident size for the whole sweep.
      MemoryRelease.returnFreedMemory()
      await env.dispatcher.wake()
      return try JSONResponse.make(created, status: .created)
    }
    // The coordinator's own budget across sweeps (docs/budget.md).
    routes.admin.get("/v1/budget") { _, _ in
      return try JSONResponse.make(try await env.store.outerBudget(now: env.clock.now))
    }
    routes.admin.put("/v1/budget") { request, _ in
      let body = try await env.decode(SetCoordinatorBudget.self, from: request)
      if let amount = body.budgetUsd?.micros, amount < .zero || amount > MicroDollars(1_000_000_000_000) {
        throw APIError(
          .unprocessableContent, "invalid_budget", "budget_usd: expected 0 to 1,000,000 dollars, or null for none")
      }
      let status = try await env.store.setOuterBudget(body, now: env.clock.now)
      await env.dispatcher.wake()  // more money may let waiting paid workers in
      return try JSONResponse.make(status)
    }
    routes.admin.get("/v1/sweeps") { request, _ in
      return try JSONResponse.make(SweepList(sweeps: try await env.store.listSweeps()))
    }
    routes.admin.get("/v1/sweeps/{id}") { request, context in
      return try JSONResponse.make(try await env.store.sweepStatus(id: try parameter(context, "id")))
    }
    routes.admin.get("/v1/sweeps/{id}/spec") { request, context in
      let text = try await env.store.specText(sweepID: try parameter(context, "id"))
      var headers = HTTPFields()
      headers[.contentType] =
        DocumentFormat.detect(fileName: nil, text: text) == .json ? "application/json" : "application/yaml"
      return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
    routes.admin.post("/v1/sweeps/{id}/cancel") { request, context in
      let status = try await env.store.cancelSweep(id: try parameter(context, "id"), now: env.clock.now)
      await env.dispatcher.wake()
      return try JSONResponse.make(status)
    }
    routes.admin.post("/v1/sweeps/{id}/extend") { request, context in
      let body = try await env.decode(ExtendSweepRequest.self, from: request)
      guard Identifier.isSweepName(body.extensionId), body.extensionId.count <= 64 else {
        throw APIError(
          .unprocessableContent, "invalid_extension",
          "extension_id: expected 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
      }
      if let amount = body.budgetUsd?.micros, amount < .zero || amount > MicroDollars(1_000_000_000_000) {
        throw APIError(.unprocessableContent, "invalid_extension", "budget_usd: expected 0 to 1,000,000 dollars")
      }
      let extended = try await env.store.extendSweep(
        id: try parameter(context, "id"), request: body, now: env.clock.now)
      await env.dispatcher.wake()  // new shards may be leased at once
      return try JSONResponse.make(extended)
    }
    routes.admin.get("/v1/sweeps/{id}/extensions") { request, context in
      return try JSONResponse.make(try await env.store.extensions(sweepID: try parameter(context, "id")))
    }
    routes.admin.post("/v1/sweeps/{id}/resume") { request, context in
      let status = try await env.store.resumeSweep(id: try parameter(context, "id"))
      await env.dispatcher.wake()
      return try JSONResponse.make(status)
    }
    routes.admin.get("/v1/sweeps/{id}/results") { request, context in
      let id = try parameter(context, "id")
      let query = request.uri.queryParameters
      let format = query["format"].map(String.init) ?? "jsonl"
      guard ["jsonl", "csv", "seed"].contains(format) else {
        throw APIError(.badRequest, "invalid_format", "format: expected jsonl, csv or seed, got '\(format)'")
      }
      var columns: ResultExport.Selection? = format == "seed" ? .seed : nil
      if let names = query["columns"].map(String.init) {
        guard format != "seed" else {
          throw APIError(
            .badRequest, "invalid_format", "format=seed is a fixed list of columns; drop columns or the format")
        }
        columns = .named(
          names.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
          })
      }
      let best = query["best"].map { $0 == "true" || $0 == "1" } ?? false
      let domain = query["domain"].map(String.init)
      let export = ResultExport(
        store: env.store, query: ResultQuery(sweepID: id, domain: domain, bestOnly: best), csv: format == "csv",
        columns: columns)
      try await export.validate()  // a bad sweep or domain is a 404 before the body starts
      var headers = HTTPFields()
      headers[.contentType] = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson"
      let logger = context.logger
      return Response(
        status: .ok, headers: headers,
        body: ResponseBody { writer in
          do {
            try await export.write { text in try await writer.write(ByteBuffer(string: text)) }
          } catch {
            // The status line is already sent: the client sees a truncated body; say why here.
            logger.error("results export of sweep '\(id)' stopped: \(error)")
            throw error
          }
          try await writer.finish(nil)
        })
    }
  }
}

extension APIRouter {
  /// Samples and stores a sweep (the store draws and inserts trials one at a time).
  static func store(_ spec: SweepSpec, text: String, _ env: APIEnvironment) async throws -> SweepCreated {
    try await checkWarmStart(spec, env)
    return try await env.store.createSweep(
      id: RandomID.make("sw-", bytes: 6), spec: spec, specText: text, now: env.clock.now)
  }
}

extension APIRouter {
  /// Every `adaptive.warm_start` sweep must exist here and optimise the same metric, or its
  /// results could not train the surrogate.
  static func checkWarmStart(_ spec: SweepSpec, _ env: APIEnvironment) async throws {
    var problems: [String] = []
    for (index, id) in (spec.adaptive?.warmStart ?? []).enumerated() {
      let path = "adaptive.warm_start[\(index)]"
      do {
        let status = try await env.store.sweepStatus(id: id)
        if status.objective.metric != spec.objective.metric {
          problems.append(
            "\(path): sweep '\(id)' optimises \(status.objective.metric), not \(spec.objective.metric); warm start needs the same metric"
          )
        }
      } catch let error as StoreError {
        guard case .notFound = error else { throw error }
        problems.append("\(path): no sweep '\(id)' on this coordinator; `sweep status` lists the sweeps")
      }
    }
    guard problems.isEmpty else {
      throw APIError(
        .unprocessableContent, "invalid_spec", "the spec has \(problems.count) problem(s)", errors: problems)
    }
  }
}
