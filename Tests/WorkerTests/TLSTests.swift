import Foundation
import TestSupport
import Testing

/// `sweep serve --tls-cert --tls-key` with a certificate made here, and clients that trust it
/// through `--ca-cert` (and refuse it without).
@Suite(.serialized) struct TLSTests {
  /// A self-signed certificate for 127.0.0.1, made with the openssl command line.
  static func makeCertificate(in directory: URL) throws -> (certificate: String, key: String) {
    let certificate = directory.appendingPathComponent("coordinator.pem").path
    let key = directory.appendingPathComponent("coordinator.key").path
    let made = try CommandRunner.run(
      executable: "/usr/bin/env",
      [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate,
      ], directory: directory.path)
    guard made.status == 0 else { throw ServeError("openssl failed: \(made.stderr)") }
    return (certificate, key)
  }

  @Test func workersAndAdminsTalkToAnHTTPSCoordinatorThatTheyTrust() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let (certificate, key) = try Self.makeCertificate(in: fixture.directory)
    let serve = try ServeProcess(extraArguments: ["--tls-cert", certificate, "--tls-key", key])
    defer { serve.cleanUp() }
    #expect(serve.url.hasPrefix("https://"))
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken, "--ca-cert", certificate]
    let path = try fixture.write(fixture.spec(modes: ["ok"], trials: 2), "tls.yaml")
    let submitted = try CommandRunner.run("sweep", ["submit", path] + admin)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let worker = try fixture.worker(serve, name: "tls", extra: ["--exit-when-done", "--ca-cert", certificate])
    #expect(worker.wait(60) == 0, "\(worker.log)")
    let status = try CommandRunner.run("sweep", ["status", id, "--json"] + admin)
    #expect(status.stdout.contains("\"succeeded\":2"), "\(status.stdout) \(status.stderr)")

    let untrusting = try CommandRunner.run(
      "sweep", ["status", id, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(untrusting.status == 1)
    #expect(
      untrusting.stderr.lowercased().contains("certificate") || untrusting.stderr.contains("TLS")
        || untrusting.stderr.contains("SSL"), "\(untrusting.stderr)")
    let plain = try CommandRunner.run(
      "sweep",
      [
        "status", id, "--coordinator", serve.url.replacingOccurrences(of: "https", with: "http"), "--token",
        serve.adminToken,
      ])
    #expect(plain.status != 0)
  }

  @Test func aHalfTLSConfigurationIsBadInput() throws {
    let result = try CommandRunner.run(
      "sweep", ["serve", "--port", "0", "--db", "/tmp/unused-\(UUID().uuidString).db", "--tls-cert", "x.pem"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--tls-cert and --tls-key go together"))
  }
}
