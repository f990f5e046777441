/// A join token minted for a recipe or a fleet (`sweep join-token create`, `sweep deploy
/// --expires`): like the coordinator's own join token it lets a machine register and download the
/// worker, but only until it expires or is revoked. `jt-ID.SECRET`: the id finds it, the secret
/// (stored only as its SHA-256) proves it. A worker registered with it keeps its own credential:
/// the expiry stops new machines from joining, not the ones at work.
public struct JoinTokenRecord: Hashable, Sendable {
  public var id: String
  public var secretHash: [UInt8]
  public var label: String
  public var createdAt: Timestamp
  public var expiresAt: Timestamp
  public var revokedAt: Timestamp?

  public init(
    id: String, secretHash: [UInt8], label: String, createdAt: Timestamp, expiresAt: Timestamp,
    revokedAt: Timestamp? = nil
  ) {
    self.id = id
    self.secretHash = secretHash
    self.label = label
    self.createdAt = createdAt
    self.expiresAt = expiresAt
    self.revokedAt = revokedAt
  }

  public enum State: String, Hashable, Sendable, Codable {
    case active, expired, revoked
  }

  public func state(at now: Timestamp) -> State {
    if revokedAt != nil { return .revoked }
    return now < expiresAt ? .active : .expired
  }

  /// The shortest and longest life a minted token may have.
  public static let lifetimes: ClosedRange<Duration> = .seconds(60) ... .seconds(30 * 86_400)

  /// `jt-ID.SECRET` split, or nil for anything else.
  public static func split(_ token: String) -> (id: String, secret: String)? {
    IdentifiedSecret.split(token, prefix: "jt-")
  }
}

/// `POST /v1/join-tokens`.
public struct CreateJoinTokenRequest: Hashable, Sendable, Codable {
  /// Seconds until it expires: 60 to 30 days.
  public var expiresInS: Double
  /// What it is for (shown by `sweep join-token list`).
  public var label: String?

  public init(expiresInS: Double, label: String? = nil) {
    self.expiresInS = expiresInS
    self.label = label
  }
}

/// A minted join token as the API shows it: the token itself only in the answer that made it.
public struct JoinTokenSummary: Hashable, Sendable, Codable {
  public var id: String
  public var label: String
  public var createdAt: String
  public var expiresAt: String
  public var revokedAt: String?
  public var state: JoinTokenRecord.State
  /// Only when just created.
  public var token: String?

  public init(_ record: JoinTokenRecord, now: Timestamp, token: String? = nil) {
    id = record.id
    label = record.label
    createdAt = record.createdAt.iso8601
    expiresAt = record.expiresAt.iso8601
    revokedAt = record.revokedAt?.iso8601
    state = record.state(at: now)
    self.token = token
  }
}

/// `GET /v1/join-tokens`.
public struct JoinTokenList: Hashable, Sendable, Codable {
  public var tokens: [JoinTokenSummary]
  public init(tokens: [JoinTokenSummary]) { self.tokens = tokens }
}

/// A bearer token that names what it proves: `PREFIX-ID.SECRET` (a worker's credential, a minted
/// join token). The id finds the record, the secret — stored only as its hash — proves it.
public enum IdentifiedSecret {
  public static func split(_ token: String, prefix: String) -> (id: String, secret: String)? {
    guard token.hasPrefix(prefix), let dot = token.firstIndex(of: ".") else { return nil }
    let id = String(token[..<dot])
    let secret = String(token[token.index(after: dot)...])
    guard !secret.isEmpty, id.count <= 64 else { return nil }
    return (id, secret)
  }
}
