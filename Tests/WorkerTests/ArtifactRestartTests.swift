import Foundation
import TestSupport
import Testing

/// An output folder whose upload spans a coordinator crash: the worker keeps the archive in its
/// spool and sends it again once the coordinator is back; `sweep artifacts` then gets the files.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ArtifactRestartTests {
  @Test func anUploadSurvivesACoordinatorKilledAndRestartedAndTheFilesDownloadIntact() async throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let script = fixture.directory.appendingPathComponent("save.sh").path
    let gate = fixture.directory.appendingPathComponent("go").path
    let started = fixture.directory.appendingPathComponent("started").path
    // 2 MB of weights, so the archive is more than a few packets
    try """
    #!/bin/sh
    touch "\(started)"
    while [ ! -f "\(gate)" ]; do sleep 0.05; done
    mkdir -p "$SWEEP_OUTPUT_DIR/adapter"
    echo '{"r": 8}' > "$SWEEP_OUTPUT_DIR/adapter/adapter_config.json"
    head -c 2097152 /dev/zero | tr '\\0' 'w' > "$SWEEP_OUTPUT_DIR/adapter/weights.bin"
    echo '{"accuracy": 0.75}'
    """.write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)
    let first = try ServeProcess()
    defer { first.cleanUp() }
    let id = try await CommandRunner.offPool {
      try fixture.submit(
        """
        name: restart
        domains: [a]
        sampler: lhs
        trials_per_domain: 1
        estimate: {minutes_per_trial: 0.05}
        space: {x: {uniform: [0, 1]}}
        command: ["\(script)", "{x}"]
        """, to: first)
    }
    let worker = try fixture.worker(first, name: "gpu-1", extra: ["--laptop", "off"])
    defer { worker.kill9() }
    let deadline = Date().addingTimeInterval(30)
    while !FileManager.default.fileExists(atPath: started) && Date() < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(FileManager.default.fileExists(atPath: started), "\(worker.log)")
    // the coordinator dies; the trial ends meanwhile: its result and its upload wait in the spool
    _ = first.stop(signal: SIGKILL)
    FileManager.default.createFile(atPath: gate, contents: nil)
    let failed = Date().addingTimeInterval(30)
    while !worker.log.contains("cannot upload the output of") && Date() < failed {
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(worker.log.contains("cannot upload the output of"), "\(worker.log)")
    let serve = try ServeProcess(directory: first.directory, port: first.port)
    defer { serve.cleanUp() }
    let admin = ["--coordinator", serve.url, "--token", serve.adminToken]
    let arrived = Date().addingTimeInterval(60)
    var listed = ""
    while Date() < arrived {
      listed = try await CommandRunner.offPool { try CommandRunner.run("sweep", ["artifacts", id, "--list"] + admin) }
        .stdout
      if !listed.isEmpty { break }
      try await Task.sleep(for: .milliseconds(200))
    }
    #expect(listed.contains("0.7500"), "\(listed)\n\(worker.log)")
    let downloads = fixture.directory.appendingPathComponent("adapters").path
    let fetched = try await CommandRunner.offPool {
      try CommandRunner.run("sweep", ["artifacts", id, "-o", downloads] + admin)
    }
    #expect(fetched.status == 0, "\(fetched.stderr)")
    let rows = try await CommandRunner.offPool { try fixture.results(id, serve) }
    let trial = try #require(rows.first?["trial_id"] as? String)
    let weights = try Data(contentsOf: URL(fileURLWithPath: "\(downloads)/a/\(trial)/adapter/weights.bin"))
    #expect(weights.count == 2_097_152 && weights.allSatisfy { $0 == UInt8(ascii: "w") })
    let config = try String(contentsOfFile: "\(downloads)/a/\(trial)/adapter/adapter_config.json", encoding: .utf8)
    #expect(config == "{\"r\": 8}\n")
  }
}
