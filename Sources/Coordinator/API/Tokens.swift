import Crypto
import Foundation
import Shared

/// Bearer tokens: random, shown once, stored only as SHA-256 hashes, compared in constant time.
public enum Tokens {
  /// A new token: `prefix` and 32 random bytes in hex (256 bits).
  public static func generate(prefix: String) -> String {
    var generator = SystemRandomNumberGenerator()
    return prefix + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
  }

  public static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

  /// Compares two hashes without an early exit, so timing says nothing about where they differ.
  public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }

  /// A worker credential `wk-<id>.<secret>`: the id finds the worker, the secret proves it.
  public static func splitWorkerCredential(_ token: String) -> (workerID: String, secret: String)? {
    IdentifiedSecret.split(token, prefix: "wk-").map { ($0.id, $0.secret) }
  }
}
