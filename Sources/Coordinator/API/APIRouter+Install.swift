import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension APIRouter {
  /// `GET /install.sh` (no token: it holds none, only the coordinator's address and the
  /// workers' digests) and `GET /v1/worker/{platform}` (the worker join token).
  static func addInstallRoutes(_ router: Router<APIRequestContext>, _ routes: Routes, _ env: APIEnvironment) {
    router.get("/install.sh") { request, _ in
      guard let coordinator = InstallScript.coordinatorURL(host: request.head.authority, tls: env.tls) else {
        throw APIError(
          .badRequest, "invalid_host", "the Host header must be a host name or address, with a port if not the default")
      }
      return JSONResponse.text(
        InstallScript.render(
          coordinator: coordinator, binaries: env.workerBinaries, authority: env.certificateAuthority),
        contentType: "text/x-shellscript")
    }
    routes.joiner.get("/v1/worker/{platform}") { _, context in
      let platform = try parameter(context, "platform")
      guard let binary = env.workerBinaries.first(where: { $0.platform == platform }) else {
        let known = env.workerBinaries.map(\.platform).sorted()
        throw APIError(
          .notFound, "worker_not_found",
          "no sweep-worker for \(platform) here (\(known.isEmpty ? "none is served: start sweep serve with --worker-binary PATH" : "it has \(known.joined(separator: ", "))"))"
        )
      }
      guard let handle = FileHandle(forReadingAtPath: binary.path) else {
        throw APIError(.notFound, "worker_not_found", "the sweep-worker for \(platform) is gone from \(binary.path)")
      }
      var headers = HTTPFields()
      headers[.contentType] = "application/octet-stream"
      headers[.workerSHA256] = binary.sha256
      return Response(
        status: .ok, headers: headers,
        body: ResponseBody { writer in
          defer { try? handle.close() }
          while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try await writer.write(ByteBuffer(bytes: chunk))
          }
          try await writer.finish(nil)
        })
    }
  }
}

extension HTTPField.Name {
  /// The digest the coordinator computed when it started, for a download checked by hand.
  static let workerSHA256 = Self("X-Worker-SHA256")!
}
