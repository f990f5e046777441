import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import Testing

/// Join tokens with an expiry, through the real router: minted by the admin, good for joining
/// until they expire or are revoked, and never again after; the workers that joined keep working.
@Suite struct JoinTokenTests {
  @Test func aMintedTokenJoinsUntilItExpiresOrIsRevokedAndItsWorkersKeepWorking() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      func mint(_ seconds: Double, _ label: String) async throws -> JoinTokenSummary {
        let reply = try await api.call(
          .post, "/v1/join-tokens", token: TestCoordinator.adminToken,
          body: try api.json(CreateJoinTokenRequest(expiresInS: seconds, label: label)))
        #expect(reply.status == .created, "\(reply.text)")
        return try reply.decode(JoinTokenSummary.self)
      }
      func join(_ token: String, _ name: String) async throws -> APICaller.Reply {
        try await api.call(
          .post, "/v1/workers", token: token,
          body: try api.json(
            RegisterWorkerRequest(name: name, provider: .runpod, hourlyCostUsd: DollarAmount(.zero), slots: 1)))
      }
      let day = try await mint(86_400, "runpod recipe")
      let token = try #require(day.token)
      #expect(token.hasPrefix(day.id + ".") && day.state == .active && day.label == "runpod recipe")
      let joined = try await join(token, "box-1")
      #expect(joined.status == .created, "\(joined.text)")
      let credential = try joined.decode(RegisterWorkerResponse.self).credential
      // The join token is no admin token, and a forged secret is nothing.
      #expect(try await api.call(.get, "/v1/join-tokens", token: token).status == .forbidden)
      #expect(try await join(day.id + ".forged", "box-x").status == .unauthorized)

      coordinator.clock.advance(by: .seconds(86_401))
      let late = try await join(token, "box-2")
      #expect(late.status == .unauthorized && late.errorCode == "join_token_expired", "\(late.text)")
      #expect(late.text.contains("expired at \(day.expiresAt)"))
      // A worker that joined in time keeps its own credential.
      #expect(try await api.call(.post, "/v1/leases", token: credential, body: #"{"wait_s": 0}"#).status == .ok)

      let hour = try await mint(3600, "")
      let revoked = try await api.call(.delete, "/v1/join-tokens/\(hour.id)", token: TestCoordinator.adminToken)
      #expect(
        try revoked.decode(JoinTokenSummary.self).state == .revoked
          && (try? revoked.decode(JoinTokenSummary.self).token) == nil)
      let refused = try await join(try #require(hour.token), "box-3")
      #expect(refused.status == .unauthorized && refused.errorCode == "join_token_revoked")

      let list = try await api.call(.get, "/v1/join-tokens", token: TestCoordinator.adminToken).decode(
        JoinTokenList.self)
      #expect(list.tokens.map(\.state) == [.expired, .revoked] && list.tokens.allSatisfy { $0.token == nil })
      let tooLong = try await api.call(
        .post, "/v1/join-tokens", token: TestCoordinator.adminToken, body: #"{"expires_in_s": 2592001}"#)
      #expect(tooLong.status == .unprocessableContent && tooLong.errorCode == "invalid_join_token")
      let unknown = try await api.call(.delete, "/v1/join-tokens/jt-nope", token: TestCoordinator.adminToken)
      #expect(unknown.status == .notFound && unknown.errorCode == "join_token_not_found")
    }
  }
}
