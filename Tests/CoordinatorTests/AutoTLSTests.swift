import CommandLineSupport
import Foundation
import Testing
import X509

@testable import Coordinator

/// `sweep serve --tls auto`: the coordinator's own CA and server certificate, kept next to the
/// database and reused, with a server key (and so a pin) that survives a new certificate.
@Suite struct AutoTLSTests {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("autotls-\(UUID().uuidString)")

  @Test func theIdentityIsMadeOnceAndReusedAndNewNamesKeepThePin() throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let tls = AutoTLS(databasePath: folder.appendingPathComponent("sweep.db").path)
    let first = try tls.ensure(names: ["localhost", "127.0.0.1"])
    #expect(first.issued && first.pin.hasPrefix("sha256//") && first.caFingerprint.count == 32 * 3 - 1)
    let again = try tls.ensure(names: ["127.0.0.1"])
    #expect(!again.issued && again.pin == first.pin && again.caFingerprint == first.caFingerprint)
    let grown = try tls.ensure(names: ["localhost", "127.0.0.1", "coord.example", "10.1.2.3", "fe80::1"])
    #expect(grown.issued && grown.pin == first.pin && grown.caFingerprint == first.caFingerprint)
    let certificate = try Certificate(pemEncoded: try String(contentsOfFile: tls.certificatePath, encoding: .utf8))
    let names = try #require(try certificate.extensions.subjectAlternativeNames)
    #expect(names.contains(.dnsName("coord.example")))
    #expect(names.contains(.ipAddress(.init(contentBytes: [10, 1, 2, 3]))))
    #expect(names.contains(.ipAddress(.init(contentBytes: [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1]))))
    let ca = try Certificate(pemEncoded: again.caPEM)
    #expect(certificate.issuer == ca.subject && certificate.notValidAfter > Date().addingTimeInterval(390 * 86_400))
    // The keys are the owner's alone.
    let mode = try FileManager.default.attributesOfItem(atPath: tls.keyPath)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    #expect(TLSPin.read(forDatabase: folder.appendingPathComponent("sweep.db").path) == first.pin)
  }

  @Test func aNameThatIsNeitherAHostNorAnAddressIsRefusedByName() {
    #expect(throws: AutoTLS.Failure.self) { try AutoTLS.generalName("coord example") }
    #expect(IPAddressBytes.parse("192.168.0.1") == [192, 168, 0, 1])
    #expect(IPAddressBytes.parse("::1") == [UInt8](repeating: 0, count: 15) + [1])
    for bad in ["1.2.3", "256.1.1.1", "1.2.3.4.5", ":::", "1::2::3", "12345::1"] {
      #expect(IPAddressBytes.parse(bad) == nil, "\(bad)")
    }
    #expect(AutoTLS.defaultNames(host: "0.0.0.0").prefix(3) == ["localhost", "127.0.0.1", "::1"])
    #expect(AutoTLS.defaultNames(host: "10.0.0.5").last == "10.0.0.5")
  }
}
