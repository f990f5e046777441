import CommandLineSupport
import Foundation
import Logging
import Shared

/// Settles the admin and worker join tokens at start-up: tokens given on the command line or
/// in the environment are used (their hashes stored); otherwise stored hashes are kept; on the
/// very first start strong tokens are generated, only their hashes stored, and the plain tokens
/// written once to a file next to the database with mode 0600.
public enum TokenBootstrap {
  public struct Result: Sendable {
    public var adminHash: [UInt8]
    public var joinHash: [UInt8]
    /// The dashboard's read-only token.
    public var viewerHash: [UInt8]
    /// The plain admin and viewer tokens when this process knows them (given, generated now, or in
    /// the tokens file next to the database and matching the stored hash): for the dashboard's
    /// login URL. Never stored by the coordinator.
    public var knownAdminToken: String?
    public var knownViewerToken: String?
    /// The file the generated tokens were written to, if they were generated now.
    public var writtenTo: String?
  }

  public static func settle(
    store: any SweepStore, databasePath: String, adminToken: String?, workerToken: String?,
    viewerToken: String? = nil, now: Timestamp
  ) async throws -> Result {
    var generated: [(String, String)] = []
    func resolve(kind: String, given: String?, prefix: String) async throws -> [UInt8] {
      if let given, !given.isEmpty {
        let hash = Tokens.hash(given)
        try await store.setTokenHash(kind: kind, hash: hash, now: now)
        return hash
      }
      if let stored = try await store.tokenHash(kind: kind) { return stored }
      let token = Tokens.generate(prefix: prefix)
      let hash = Tokens.hash(token)
      try await store.setTokenHash(kind: kind, hash: hash, now: now)
      generated.append((kind, token))
      return hash
    }
    let admin = try await resolve(kind: "admin", given: adminToken, prefix: "adm-")
    let join = try await resolve(kind: "worker_join", given: workerToken, prefix: "wjt-")
    let viewer = try await resolve(kind: "viewer", given: viewerToken, prefix: "vwr-")
    var written: String? = nil
    if !generated.isEmpty {
      let path = TokensFile.path(forDatabase: databasePath)
      var text = "# LoRASweep tokens for \(databasePath), generated \(now.iso8601). Only their hashes are stored.\n"
      for (kind, token) in generated {
        text += Self.variable(kind) + "=" + token + "\n"
      }
      // Tokens generated before (a viewer token added to an older database's file) are kept.
      for (name, value) in TokensFile.read(path).sorted(by: { $0.key < $1.key })
      where !generated.contains(where: { Self.variable($0.0) == name }) {
        text += "\(name)=\(value)\n"
      }
      try writePrivate(text, to: path)
      written = path
    }
    let file = TokensFile.read(TokensFile.path(forDatabase: databasePath))
    func known(_ given: String?, _ kind: String, _ hash: [UInt8]) -> String? {
      if let given, !given.isEmpty { return given }
      if let token = generated.first(where: { $0.0 == kind })?.1 { return token }
      if let token = file[Self.variable(kind)], Tokens.constantTimeEqual(Tokens.hash(token), hash) { return token }
      return nil
    }
    return Result(
      adminHash: admin, joinHash: join, viewerHash: viewer, knownAdminToken: known(adminToken, "admin", admin),
      knownViewerToken: known(viewerToken, "viewer", viewer), writtenTo: written)
  }

  /// The tokens file's name for a token kind.
  static func variable(_ kind: String) -> String {
    switch kind {
    case "admin": "SWEEP_ADMIN_TOKEN"
    case "viewer": "SWEEP_VIEWER_TOKEN"
    default: "SWEEP_WORKER_TOKEN"
    }
  }

  /// Writes a file readable only by its owner (created 0600, never world-readable for a moment).
  static func writePrivate(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else {
      throw CLIError(.runtime, "\(path): cannot write the tokens file (\(String(cString: strerror(errno))))")
    }
    defer { close(fd) }
    fchmod(fd, 0o600)
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      guard written > 0 else { throw CLIError(.runtime, "\(path): write failed (\(String(cString: strerror(errno))))") }
      offset += written
    }
    fsync(fd)
  }
}
