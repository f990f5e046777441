import Foundation
import HTTPTypes
import Hummingbird
import Shared

/// Who is calling.
public enum Principal: Sendable, Equatable {
  /// A person or script with the admin token: every admin endpoint.
  case admin
  /// A machine with the worker join token: may register, nothing else.
  case joiner
  /// The read-only viewer token: the dashboard's data (`/v1/sweeps/{id}/progress`, …), nothing else.
  case viewer
  /// A registered worker with its own credential: its leases and results only.
  case worker(WorkerRecord)
}

/// Checks bearer tokens against the stored hashes.
public struct Authenticator: Sendable {
  let store: any SweepStore
  let adminHash: [UInt8]
  let joinHash: [UInt8]
  var viewerHash: [UInt8]? = nil
  /// For minted join tokens, which expire.
  var clock: any WallClock

  func principal(of request: Request) async throws -> Principal {
    guard let header = request.headers[.authorization] else {
      throw APIError(
        .unauthorized, "unauthorized", "missing bearer token; send 'Authorization: Bearer TOKEN' (see the tokens file)")
    }
    guard header.lowercased().hasPrefix("bearer ") else {
      throw APIError(.unauthorized, "unauthorized", "the Authorization header must be 'Bearer TOKEN'")
    }
    let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    let hash = Tokens.hash(token)
    if Tokens.constantTimeEqual(hash, adminHash) { return .admin }
    if Tokens.constantTimeEqual(hash, joinHash) { return .joiner }
    if let viewerHash, Tokens.constantTimeEqual(hash, viewerHash) { return .viewer }
    if let (id, secret) = JoinTokenRecord.split(token), let minted = try await store.joinToken(id: id),
      Tokens.constantTimeEqual(Tokens.hash(secret), minted.secretHash)
    {
      switch minted.state(at: clock.now) {
      case .active: return .joiner
      case .expired:
        throw APIError(
          .unauthorized, "join_token_expired",
          "join token \(id) expired at \(minted.expiresAt.iso8601); make a new one (sweep join-token create, or sweep deploy --expires)"
        )
      case .revoked:
        throw APIError(
          .unauthorized, "join_token_revoked", "join token \(id) was revoked; make a new one (sweep join-token create)")
      }
    }
    if let (workerID, secret) = Tokens.splitWorkerCredential(token),
      let worker = try await store.worker(id: workerID),
      Tokens.constantTimeEqual(Tokens.hash(secret), worker.secretHash)
    {
      guard worker.state != .deregistered else {
        throw APIError(.gone, "worker_deregistered", "worker '\(workerID)' was deregistered; register again")
      }
      return .worker(worker)
    }
    throw APIError(.unauthorized, "unauthorized", "the bearer token is not valid for this coordinator")
  }
}
