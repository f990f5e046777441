import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

extension APIRouter {
  /// Output folders: workers upload each successful attempt's archive; admins list and download
  /// what the sweep's `artifacts:` policy kept.
  static func addArtifactRoutes(_ routes: Routes, _ env: APIEnvironment) {
    routes.worker.put("/v1/trials/{id}/attempts/{attempt}/artifact") { request, context in
      let trialID = try parameter(context, "id")
      guard let attempt = Int(try parameter(context, "attempt")), attempt >= 1 else {
        throw APIError(.badRequest, "invalid_attempt", "the path's attempt must be a number ≥ 1")
      }
      guard let sweepID = request.uri.queryParameters["sweep_id"].map(String.init), !sweepID.isEmpty else {
        throw APIError(
          .badRequest, "missing_sweep_id", "the query needs sweep_id (trial ids are unique within a sweep)")
      }
      guard let digest = request.headers[.artifactSHA256]?.lowercased(), digest.count == 64,
        digest.allSatisfy({ $0.isHexDigit })
      else {
        throw APIError(
          .badRequest, "missing_digest", "the header X-Artifact-SHA256 must hold the archive's sha256 (64 hex digits)")
      }
      let terms = try await env.store.artifactTerms(
        sweepID: sweepID, trialID: trialID, attempt: attempt, workerID: context.worker.id)
      guard terms.policy.keep != .none else {
        return try JSONResponse.make(ArtifactUploadAck(trialId: trialID, attempt: attempt, sha256: digest, kept: false))
      }
      let limit = terms.policy.maxBytes
      if let length = request.headers[.contentLength].flatMap(Int64.init), length > limit {
        throw Self.tooLarge(trialID, bytes: length, limit: limit)
      }
      let received: (sha256: String, bytes: Int64)
      do {
        received = try await env.artifacts.receive(
          request.body.map { Array($0.readableBytesView) }, expected: digest, maxBytes: limit)
      } catch ArtifactFiles.UploadError.tooLarge(let bytes) {
        throw Self.tooLarge(trialID, bytes: bytes, limit: limit)
      } catch ArtifactFiles.UploadError.digestMismatch(let expected, let actual) {
        throw APIError(
          .unprocessableContent, "digest_mismatch",
          "the archive of trial '\(trialID)' hashes to \(actual), not \(expected): it was damaged on the way; send it again"
        )
      } catch ArtifactFiles.UploadError.badArchive(let why) {
        throw APIError(.unprocessableContent, "unsafe_archive", "the archive of trial '\(trialID)' is refused: \(why)")
      }
      let recorded = try await env.store.recordArtifact(
        sweepID: sweepID, trialID: trialID, attempt: attempt, sha256: received.sha256, bytes: received.bytes,
        now: env.clock.now)
      for orphan in recorded.orphans { env.artifacts.delete(sha256: orphan) }
      return try JSONResponse.make(
        ArtifactUploadAck(trialId: trialID, attempt: attempt, sha256: received.sha256, kept: recorded.kept))
    }
    routes.admin.get("/v1/sweeps/{id}/artifacts") { request, context in
      let query = request.uri.queryParameters
      var list = try await env.store.artifacts(
        sweepID: try parameter(context, "id"), domain: query["domain"].map(String.init))
      if let text = query["best"] {
        guard let best = Int(text), best >= 1 else {
          throw APIError(.badRequest, "invalid_best", "best: expected a number ≥ 1, got '\(text)'")
        }
        var taken: [String: Int] = [:]
        list = list.filter { info in
          taken[info.domain, default: 0] += 1
          return taken[info.domain, default: 0] <= best
        }
      }
      return try JSONResponse.make(ArtifactList(artifacts: list))
    }
    routes.admin.get("/v1/sweeps/{id}/artifacts/{trial}") { request, context in
      try await artifactDownload(env, sweepID: try parameter(context, "id"), trialID: try parameter(context, "trial"))
    }
  }

  /// A stored output folder, streamed as its tar archive with its digest.
  static func artifactDownload(_ env: APIEnvironment, sweepID: String, trialID: String) async throws -> Response {
    guard
      let info = try await env.store.artifacts(sweepID: sweepID, domain: nil).first(where: { $0.trialId == trialID })
    else {
      throw APIError(.notFound, "artifact_not_found", "trial '\(trialID)' of sweep '\(sweepID)' has no stored output")
    }
    let path = env.artifacts.path(sha256: info.sha256)
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw APIError(.notFound, "artifact_not_found", "the archive of trial '\(trialID)' is missing from \(path)")
    }
    var headers = HTTPFields()
    headers[.contentType] = "application/x-tar"
    headers[.artifactSHA256] = info.sha256
    headers[.contentLength] = String(info.bytes)
    return Response(
      status: .ok, headers: headers,
      body: ResponseBody { writer in
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
          try await writer.write(ByteBuffer(bytes: chunk))
        }
        try await writer.finish(nil)
      })
  }

  static func tooLarge(_ trialID: String, bytes: Int64, limit: Int64) -> APIError {
    APIError(
      .contentTooLarge, "artifact_too_large",
      "the output of trial '\(trialID)' is \(bytes >> 20) MB (\(bytes) bytes), over the sweep's artifacts.max_mb of \(limit >> 20) MB"
    )
  }
}

extension HTTPField.Name {
  /// The sha256 of an artifact archive (hex), sent with an upload and a download.
  static let artifactSHA256 = HTTPField.Name("X-Artifact-SHA256")!
}
