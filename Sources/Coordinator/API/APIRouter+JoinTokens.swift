import Foundation
import Hummingbird
import Shared

extension APIRouter {
  /// Join tokens with an expiry, for recipes and fleets (admin only): `POST` mints one (the token
  /// is in that answer only), `GET` lists them, `DELETE` revokes one.
  static func addJoinTokenRoutes(_ routes: Routes, _ env: APIEnvironment) {
    routes.admin.post("/v1/join-tokens") { request, _ in
      let body = try await env.decode(CreateJoinTokenRequest.self, from: request)
      guard body.expiresInS.isFinite, body.expiresInS >= 60, body.expiresInS <= 30 * 86_400 else {
        throw APIError(
          .unprocessableContent, "invalid_join_token", "expires_in_s: expected 60 seconds to 30 days (2592000)")
      }
      let label = (body.label ?? "").trimmingCharacters(in: .whitespaces)
      guard label.count <= 128, !label.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
        throw APIError(.unprocessableContent, "invalid_join_token", "label: expected at most 128 printable characters")
      }
      let id = RandomID.make("jt-", bytes: 6)
      let secret = Tokens.generate(prefix: "")
      let now = env.clock.now
      let record = try await env.store.createJoinToken(
        id: id, secretHash: Tokens.hash(secret), label: label,
        lifetime: .milliseconds(Int64((body.expiresInS * 1000).rounded())), now: now)
      return try JSONResponse.make(JoinTokenSummary(record, now: now, token: "\(id).\(secret)"), status: .created)
    }
    routes.admin.get("/v1/join-tokens") { _, _ in
      let now = env.clock.now
      return try JSONResponse.make(
        JoinTokenList(tokens: try await env.store.joinTokens().map { JoinTokenSummary($0, now: now) }))
    }
    routes.admin.delete("/v1/join-tokens/{id}") { _, context in
      let now = env.clock.now
      let record = try await env.store.revokeJoinToken(id: try parameter(context, "id"), now: now)
      return try JSONResponse.make(JoinTokenSummary(record, now: now))
    }
  }
}
