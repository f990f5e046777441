import Crypto
import Foundation
import Shared

/// A dashboard login, kept by the browser as a cookie: the role, when it ends, and a signature
/// keyed by the stored hash of the token it was made from — so a restarted coordinator still
/// knows it, and a new token (`--admin-token`, `--viewer-token`) ends every session of the old one.
/// Nothing is stored on the server.
public struct DashboardSession: Hashable, Sendable {
  public enum Role: String, Sendable {
    /// Sees everything, and may cancel a sweep from the page.
    case admin
    /// Sees everything, changes nothing.
    case viewer
  }

  public var role: Role
  public var expires: Timestamp
  /// The cookie's value: `role.expiry.signature`.
  public var value: String

  public static let cookieName = "lorasweep_session"
  /// How long a login lasts.
  public static let lifetime: Duration = .seconds(12 * 3600)

  /// The keys sessions are signed with, from the stored token hashes.
  public struct Keys: Sendable {
    // The key bytes (SymmetricKey is not Sendable); a key is made from them for each use.
    var admin: [UInt8]
    var viewer: [UInt8]

    public init(adminHash: [UInt8], viewerHash: [UInt8]) {
      admin = Self.derive(adminHash)
      viewer = Self.derive(viewerHash)
    }

    static func derive(_ hash: [UInt8]) -> [UInt8] {
      Array(SHA256.hash(data: Data("lorasweep dashboard session".utf8) + Data(hash)))
    }

    func key(_ role: Role) -> SymmetricKey { SymmetricKey(data: role == .admin ? admin : viewer) }
  }

  /// A new session for `role`, ending `lifetime` after `now`.
  public static func make(_ role: Role, now: Timestamp, keys: Keys) -> DashboardSession {
    let expires = now + lifetime
    let body = "\(role.rawValue).\(expires.milliseconds)"
    return DashboardSession(role: role, expires: expires, value: body + "." + signature(body, keys.key(role)))
  }

  /// The session a cookie value proves, or nil (forged, expired, or signed with an old token).
  public static func verify(_ value: String, keys: Keys, now: Timestamp) -> DashboardSession? {
    let parts = value.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let role = Role(rawValue: String(parts[0])), let millis = Int64(parts[1]) else {
      return nil
    }
    let body = "\(parts[0]).\(parts[1])"
    let expected = signature(body, keys.key(role))
    guard Tokens.constantTimeEqual(Array(expected.utf8), Array(parts[2].utf8)) else { return nil }
    let expires = Timestamp(milliseconds: millis)
    guard now < expires else { return nil }
    return DashboardSession(role: role, expires: expires, value: value)
  }

  /// The form token that proves a POST came from a page this session loaded (CSRF): bound to
  /// the session, so another site can neither read nor guess it.
  public func csrfToken(keys: Keys) -> String { Self.signature("csrf." + value, keys.key(role)) }

  public func checkCSRF(_ token: String?, keys: Keys) -> Bool {
    guard let token else { return false }
    return Tokens.constantTimeEqual(Array(csrfToken(keys: keys).utf8), Array(token.utf8))
  }

  /// The `Set-Cookie` header value: HttpOnly (no script reads it), SameSite=Strict (no other
  /// site sends it), Secure over HTTPS, for the lifetime of the session.
  public func setCookie(secure: Bool) -> String {
    "\(Self.cookieName)=\(value); Path=/; Max-Age=\(Self.lifetime.components.seconds); HttpOnly; SameSite=Strict"
      + (secure ? "; Secure" : "")
  }

  public static func clearCookie(secure: Bool) -> String {
    "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
  }

  static func signature(_ body: String, _ key: SymmetricKey) -> String {
    HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key).map { String(format: "%02x", $0) }.joined()
  }

  /// The session cookie's value in a `Cookie` header, if any.
  public static func cookie(in header: String?) -> String? {
    guard let header else { return nil }
    for part in header.split(separator: ";") {
      let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
      if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
    }
    return nil
  }

  /// Where to go after logging in: a path on this site only (`/…`, never `//host` or a URL),
  /// so the login link cannot send anyone elsewhere.
  public static func safeNext(_ next: String?) -> String {
    guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 2000,
      !next.contains(where: { $0.isNewline })
    else { return "/" }
    return next
  }
}
