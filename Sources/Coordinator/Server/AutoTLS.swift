import CommandLineSupport
import Crypto
import Foundation
import SwiftASN1
import X509

/// `sweep serve --tls auto`: a certificate authority of this coordinator's own and a server
/// certificate it signs, kept in `DB.tls/` next to the database so that a restart serves the same
/// identity. Boxes trust it without a public CA: the one-line installer is fetched with the server
/// key's pin (`curl --pinnedpubkey`), and the script it serves embeds the CA, which the worker then
/// trusts (`--ca-cert`). The server key stays the same when the certificate is issued again (new
/// names, near expiry), so the pin printed once keeps working.
public struct AutoTLS: Sendable {
  /// `DB.tls/`.
  public let folder: String
  public var caCertificatePath: String { folder + "/ca.pem" }
  public var certificatePath: String { folder + "/server.pem" }
  public var keyPath: String { folder + "/server-key.pem" }
  var caKeyPath: String { folder + "/ca-key.pem" }
  /// The pin of the server key, as curl takes it (`sha256//BASE64`), also kept in `pin` for
  /// `sweep deploy` and `sweep fleet up`.
  public var pinPath: String { folder + "/pin" }  // TLSPin.path(forDatabase:)

  public init(databasePath: String) { folder = TLSPin.folder(forDatabase: databasePath) }

  /// What the coordinator serves with, and what a box needs to trust it.
  public struct Identity: Sendable {
    public var caPEM: String
    /// SHA-256 of the CA certificate, `AB:CD:…` (what a browser shows).
    public var caFingerprint: String
    /// `sha256//…` of the server's public key, for `curl --pinnedpubkey`.
    public var pin: String
    /// Whether the server certificate was issued now (first start, new names, near expiry).
    public var issued: Bool
    public var names: [String]
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// The CA and a server certificate for `names` (DNS names or IP addresses): reused when they
  /// exist, cover the names and have more than 30 days left; else made (the CA once, for ten years;
  /// the server certificate for 397 days, with the same key).
  public func ensure(names: [String], now: Date = Date()) throws(Failure) -> Identity {
    do {
      try FileManager.default.createDirectory(
        atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
      let (caKey, ca) = try loadOrMakeAuthority(now: now)
      let serverKey: P256.Signing.PrivateKey
      if let text = try? String(contentsOfFile: keyPath, encoding: .utf8) {
        serverKey = try P256.Signing.PrivateKey(pemRepresentation: text)
      } else {
        serverKey = P256.Signing.PrivateKey()
        try write(serverKey.pemRepresentation, to: keyPath, mode: 0o600)
      }
      var issued = false
      if !(try currentServerCertificateCovers(names, ca: ca, key: serverKey, now: now)) {
        let certificate = try issueServerCertificate(names: names, key: serverKey, ca: ca, caKey: caKey, now: now)
        try write(try certificate.serializeAsPEM().pemString, to: certificatePath, mode: 0o644)
        issued = true
      }
      let pin = "sha256//" + Data(SHA256.hash(data: serverKey.publicKey.derRepresentation)).base64EncodedString()
      try write(pin + "\n", to: pinPath, mode: 0o644)
      var serializer = DER.Serializer()
      try serializer.serialize(ca)
      let fingerprint = SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }
        .joined(separator: ":")
      return Identity(
        caPEM: try ca.serializeAsPEM().pemString, caFingerprint: fingerprint, pin: pin, issued: issued, names: names)
    } catch {
      if let failure = error as? Failure { throw failure }
      throw Failure(description: "--tls auto: cannot make or read the certificates in \(folder): \(error)")
    }
  }

  /// The names a coordinator is reached by without being told: loopback, this machine's name, and
  /// the address it listens on unless that is every address.
  public static func defaultNames(host: String) -> [String] {
    var names = ["localhost", "127.0.0.1", "::1"]
    let own = ProcessInfo.processInfo.hostName
    if !own.isEmpty, (try? generalName(own)) != nil { names.append(own) }
    if !["0.0.0.0", "::", ""].contains(host), !names.contains(host) { names.append(host) }
    var seen = Set<String>()
    return names.filter { seen.insert($0.lowercased()).inserted }
  }

  private func loadOrMakeAuthority(now: Date) throws -> (P256.Signing.PrivateKey, Certificate) {
    if let keyText = try? String(contentsOfFile: caKeyPath, encoding: .utf8),
      let certificateText = try? String(contentsOfFile: caCertificatePath, encoding: .utf8)
    {
      return (try P256.Signing.PrivateKey(pemRepresentation: keyText), try Certificate(pemEncoded: certificateText))
    }
    let key = P256.Signing.PrivateKey()
    let name = try DistinguishedName {
      OrganizationName("LoRASweep")
      CommonName("LoRASweep coordinator CA \(ProcessInfo.processInfo.hostName)")
    }
    let certificate = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
      notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
      issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
      },
      issuerPrivateKey: .init(key))
    try write(key.pemRepresentation, to: caKeyPath, mode: 0o600)
    try write(try certificate.serializeAsPEM().pemString, to: caCertificatePath, mode: 0o644)
    return (key, certificate)
  }

  private func currentServerCertificateCovers(
    _ names: [String], ca: Certificate, key: P256.Signing.PrivateKey, now: Date
  ) throws -> Bool {
    guard let text = try? String(contentsOfFile: certificatePath, encoding: .utf8),
      let certificate = try? Certificate(pemEncoded: text)
    else { return false }
    guard certificate.issuer == ca.subject, certificate.publicKey == Certificate.PublicKey(key.publicKey),
      certificate.notValidAfter > now.addingTimeInterval(30 * 86_400)
    else { return false }
    let present = Set((try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()).map { $0 })
    return Set(try names.map(Self.generalName)).isSubset(of: present)
  }

  private func issueServerCertificate(
    names: [String], key: P256.Signing.PrivateKey, ca: Certificate, caKey: P256.Signing.PrivateKey, now: Date
  ) throws -> Certificate {
    let alternatives = try names.map(Self.generalName)
    return try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
      notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86_400),
      issuer: ca.subject, subject: try DistinguishedName { CommonName(names.first ?? "localhost") },
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.notCertificateAuthority)
        Critical(KeyUsage(digitalSignature: true))
        try ExtendedKeyUsage([.serverAuth])
        SubjectAlternativeNames(alternatives)
      },
      issuerPrivateKey: .init(caKey))
  }

  /// A name as a certificate holds it: an IPv4 or IPv6 address, else a DNS name.
  static func generalName(_ name: String) throws -> GeneralName {
    if let bytes = IPAddressBytes.parse(name) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
    guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.*".contains($0)) }) else {
      throw Failure(description: "--tls-name: '\(name)' is not a host name or an IP address")
    }
    return .dnsName(name.lowercased())
  }

  private func write(_ text: String, to path: String, mode: Int) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
    else { throw Failure(description: "--tls auto: cannot write \(path)") }
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }
}

/// IPv4 and IPv6 text to bytes, via inet_pton semantics without the C library (this layer names no
/// Glibc): dotted quads, and colon groups with one `::`.
enum IPAddressBytes {
  static func parse(_ text: String) -> [UInt8]? {
    if text.contains(":") { return v6(text) }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var bytes: [UInt8] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isNumber), let value = UInt8(part) else { return nil }
      bytes.append(value)
    }
    return bytes
  }

  static func v6(_ text: String) -> [UInt8]? {
    let halves = text.components(separatedBy: "::")
    guard halves.count <= 2 else { return nil }
    func groups(_ part: String) -> [UInt16]? {
      guard !part.isEmpty else { return [] }
      var values: [UInt16] = []
      for group in part.split(separator: ":", omittingEmptySubsequences: false) {
        guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
        values.append(value)
      }
      return values
    }
    guard let head = groups(halves[0]) else { return nil }
    var all = head
    if halves.count == 2 {
      guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
      all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
    guard all.count == 8 else { return nil }
    return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  }
}
