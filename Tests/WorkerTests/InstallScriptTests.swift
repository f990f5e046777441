import Foundation
import TestSupport
import Testing

/// The one-line install of a rented box, for real on this machine: `curl … /install.sh | sh`
/// against a real `sweep serve` that serves this build's `sweep-worker`. The box is a HOME of
/// its own in a temporary folder; the worker it installs joins and works the sweep.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct InstallScriptTests {
  static let spec = """
    name: installed
    domains: [a]
    sampler: lhs
    trials_per_domain: 3
    estimate: {minutes_per_trial: 0.05}
    artifacts: none
    space: {x: {uniform: [0, 1]}}
    command: [awk, 'BEGIN {{ printf "{{\\"accuracy\\": %.4f}}\\n", ARGV[1] }}', "{x}"]
    """

  /// A copy of this build's worker, so that a test may change the file the coordinator serves.
  static func servedWorker(in directory: URL) throws -> String {
    let path = directory.appendingPathComponent("served-sweep-worker").path
    try FileManager.default.copyItem(
      atPath: CommandRunner.productsDirectory.appendingPathComponent("sweep-worker").path, toPath: path)
    return path
  }

  /// A rented box: a HOME of its own.
  static func box(in fixture: WorkerFixture) throws -> URL {
    let home = fixture.directory.appendingPathComponent("box")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    return home
  }

  /// `curl -fsSL URL/install.sh | sh -s -- ARGS` in a fresh HOME.
  static func install(_ serve: ServeProcess, home: URL, curl: String = "", _ arguments: [String]) throws
    -> CommandRunner.Result
  {
    let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    return try CommandRunner.run(
      executable: "/bin/sh", ["-c", "curl -fsSL \(curl) \(serve.url)/install.sh | sh -s -- \(quoted)"],
      directory: home.path,
      environment: ["HOME": home.path, "SWEEP_HOME": home.appendingPathComponent(".lorasweep").path])
  }

  @Test func oneLineInstallsTheServedWorkerChecksItsDigestAndTheWorkerJoinsAndWorks() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let binary = try Self.servedWorker(in: fixture.directory)
    let serve = try ServeProcess(extraArguments: ["--worker-binary", binary])
    defer { serve.cleanUp() }
    let id = try fixture.submit(Self.spec, to: serve)
    let home = try Self.box(in: fixture)

    let result = try Self.install(
      serve, home: home, ["--token", serve.workerToken, "--name", "box", "--laptop", "off", "--exit-when-done"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("installed \(home.path)/.lorasweep/bin/sweep-worker (linux-"), "\(result.stderr)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 3)
    let installed = home.appendingPathComponent(".lorasweep/bin/sweep-worker").path
    #expect(FileManager.default.contentsEqual(atPath: installed, andPath: binary))
    #expect(FileManager.default.isExecutableFile(atPath: installed))
    #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent(".lorasweep/spool").path))

    // Another platform's binary, for an image built elsewhere, is refused with what there is.
    let other = try Self.install(serve, home: home, ["--token", serve.workerToken, "--platform", "plan9-mips"])
    #expect(
      other.status == 1 && other.stderr.contains("no sweep-worker for plan9-mips (it has: linux-"), "\(other.stderr)")
  }

  @Test func withTLSAutoTheBoxPinsTheKeyAndTrustsTheCoordinatorsOwnAuthority() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let binary = try Self.servedWorker(in: fixture.directory)
    let folder = fixture.directory.appendingPathComponent("coordinator")
    var serve = try ServeProcess(directory: folder, extraArguments: ["--tls", "auto", "--worker-binary", binary])
    defer { serve.cleanUp() }
    #expect(serve.url.hasPrefix("https://"))
    let tls = serve.databasePath + ".tls"
    let pin = try String(contentsOfFile: tls + "/pin", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(pin.hasPrefix("sha256//") && serve.log.contains("issued a certificate for localhost, 127.0.0.1"))
    let id = try fixture.submit(Self.spec, to: serve)  // the admin CLI trusts it with --ca-cert

    // Without trust, and with another key's pin, curl refuses the coordinator.
    let untrusted = try CommandRunner.run(
      executable: "/usr/bin/curl", ["-fsS", "\(serve.url)/install.sh"], directory: fixture.directory.path)
    #expect(untrusted.status == 60, "\(untrusted.stderr)")
    let otherKey = try CommandRunner.run(
      executable: "/usr/bin/curl",
      [
        "-fsS", "--insecure", "--pinnedpubkey", "sha256//" + String(repeating: "A", count: 43) + "=",
        "\(serve.url)/install.sh",
      ],
      directory: fixture.directory.path)
    #expect(otherKey.status == 90, "\(otherKey.stderr)")

    // With the pin: the script installs the CA beside the worker, which trusts it and works.
    let home = try Self.box(in: fixture)
    let result = try Self.install(
      serve, home: home, curl: "--insecure --pinnedpubkey '\(pin)'",
      ["--token", serve.workerToken, "--name", "box", "--laptop", "off", "--exit-when-done"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 3)
    func text(_ path: String) -> String {
      ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    #expect(text(home.appendingPathComponent(".lorasweep/ca.pem").path) == text(tls + "/ca.pem"))
    #expect(text(tls + "/ca.pem").hasPrefix("-----BEGIN CERTIFICATE-----"))

    // A restart serves the same identity: the pin printed once keeps working.
    serve.stop()
    serve = try ServeProcess(directory: folder, extraArguments: ["--tls", "auto", "--worker-binary", binary])
    #expect(
      try String(contentsOfFile: tls + "/pin", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == pin)
    #expect(serve.log.contains("reusing a certificate"), "\(serve.log)")
    let status = try CommandRunner.run("sweep", ["status", id] + serve.adminArguments)
    #expect(status.status == 0 && status.stdout.contains("completed"), "\(status.stderr)")
  }

  @Test func aRecipesJoinTokenThatExpiresInstallsUntilItIsRevoked() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let binary = try Self.servedWorker(in: fixture.directory)
    let serve = try ServeProcess(extraArguments: ["--worker-binary", binary])
    defer { serve.cleanUp() }
    let id = try fixture.submit(Self.spec, to: serve)
    // sweep deploy mints a token for its recipe through the admin API (the token from --db's tokens file).
    let recipe = try CommandRunner.run(
      "sweep",
      ["deploy", "cloud-init", "--coordinator", serve.url, "--expires", "1h", "--db", serve.databasePath])
    #expect(recipe.status == 0, "\(recipe.stderr)")
    let minted = try #require(
      recipe.stdout.split(separator: " ").first { $0.hasPrefix("jt-") }.map(String.init), "\(recipe.stdout)")
    #expect(recipe.stderr.contains("join token \(minted.prefix { $0 != "." }) for this recipe expires at"))
    let listed = try CommandRunner.run("sweep", ["join-token", "list"] + serve.adminArguments)
    #expect(listed.stdout.contains("active") && listed.stdout.contains("sweep deploy cloud-init"), "\(listed.stdout)")

    let home = try Self.box(in: fixture)
    let installed = try Self.install(
      serve, home: home, ["--token", minted, "--name", "box", "--laptop", "off", "--exit-when-done"])
    #expect(installed.status == 0, "\(installed.stderr)")
    #expect(try fixture.counts(id, serve)["succeeded"] == 3)

    let revoked = try CommandRunner.run(
      "sweep", ["join-token", "revoke", String(minted.prefix { $0 != "." })] + serve.adminArguments)
    #expect(revoked.status == 0, "\(revoked.stderr)")
    let again = try Self.install(serve, home: home, ["--token", minted, "--name", "box-2"])
    #expect(again.status == 1 && again.stderr.contains("refused the token (401)"), "\(again.stderr)")
  }

  @Test func aWrongTokenOrAChangedBinaryIsRefusedAndNothingRuns() throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let binary = try Self.servedWorker(in: fixture.directory)
    let serve = try ServeProcess(extraArguments: ["--worker-binary", binary])
    defer { serve.cleanUp() }
    let home = try Self.box(in: fixture)
    let installed = home.appendingPathComponent(".lorasweep/bin/sweep-worker").path

    let noToken = try Self.install(serve, home: home, ["--name", "box"])
    #expect(noToken.status == 2 && noToken.stderr.contains("no token: pass --token"), "\(noToken.stderr)")
    let wrong = try Self.install(serve, home: home, ["--token", "not-the-token", "--name", "box"])
    #expect(wrong.status == 1 && wrong.stderr.contains("refused the token (401)"), "\(wrong.stderr)")
    #expect(!FileManager.default.fileExists(atPath: installed))

    // The file changes after the coordinator announced its digest: the download no longer matches.
    let handle = try #require(FileHandle(forWritingAtPath: binary))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data([0]))
    try handle.close()
    let changed = try Self.install(serve, home: home, ["--token", serve.workerToken, "--name", "box"])
    #expect(changed.status == 1 && changed.stderr.contains("refusing to run it"), "\(changed.stderr)")
    #expect(!FileManager.default.fileExists(atPath: installed))
    let left = try FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent(".lorasweep/bin").path)
    #expect(left.isEmpty, "\(left)")
  }
}
