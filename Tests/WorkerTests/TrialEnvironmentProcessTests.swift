import Foundation
import TestSupport
import Testing

/// The trial environment through the real `sweep-worker` command line: `--gpus all` read from
/// `nvidia-smi -L` (a fake one on PATH), one device per slot; the worker's tokens and
/// `--secret-env` variables absent; trials run in `--workdir`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TrialEnvironmentProcessTests {
  @Test func slotsGetTheirOwnGPUAndTrialsNeverSeeTheWorkersSecrets() async throws {
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let bin = fixture.directory.appendingPathComponent("bin").path
    let project = fixture.directory.appendingPathComponent("project").path
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
    try """
    #!/bin/sh
    echo "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-aaaa)"
    echo "GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-bbbb)"
    """.write(toFile: bin + "/nvidia-smi", atomically: true, encoding: .utf8)
    chmod(bin + "/nvidia-smi", 0o755)
    // each trial writes its environment and working folder into its output folder, holds its
    // slot a moment so that both slots are busy together, and reports
    try """
    #!/bin/sh
    env > "$SWEEP_OUTPUT_DIR/env"
    pwd > "$SWEEP_OUTPUT_DIR/pwd"
    sleep 0.5
    echo '{"accuracy": 1}'
    """.write(toFile: project + "/record.sh", atomically: true, encoding: .utf8)
    chmod(project + "/record.sh", 0o755)
    let serve = try ServeProcess()
    defer { serve.cleanUp() }
    let id = try await CommandRunner.offPool {
      try fixture.submit(
        """
        name: env
        domains: [a]
        sampler: lhs
        trials_per_domain: 4
        estimate: {minutes_per_trial: 0.05}
        artifacts: none
        space: {x: {uniform: [0, 1]}}
        command: [./record.sh, "{x}"]
        """, to: serve)
    }
    let artifacts = fixture.directory.appendingPathComponent("outputs").path
    let worker = try WorkerProcess(
      arguments: [
        "--coordinator", serve.url, "--name", "gpu-box", "--laptop", "off", "--exit-when-done", "--gpus", "all",
        "--secret-env", "HF_*", "--workdir", project, "--artifacts", artifacts, "--spool",
        fixture.directory.appendingPathComponent("spool").path,
      ], log: fixture.directory.appendingPathComponent("worker.log").path,
      environment: [
        "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
        "SWEEP_WORKER_TOKEN": serve.workerToken, "SWEEP_ADMIN_TOKEN": serve.adminToken, "HF_TOKEN": "hf_secret",
        "WANDB_MODE": "offline",
      ], directory: fixture.directory.path)
    defer { worker.kill9() }
    #expect(await worker.exit(within: 60) == 0, "\(worker.log)")
    #expect(worker.log.contains("GPUs per slot: slot 0: 0; slot 1: 1"), "\(worker.log)")
    let folders = try FileManager.default.subpathsOfDirectory(atPath: artifacts).filter { $0.hasSuffix("/env") }
    #expect(folders.count == 4, "\(folders)")
    var devices = Set<String>()
    for path in folders {
      let env = try String(contentsOfFile: artifacts + "/" + path, encoding: .utf8)
      let variables = Dictionary(
        env.split(separator: "\n").compactMap { line -> (String, String)? in
          guard let eq = line.firstIndex(of: "=") else { return nil }
          return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { a, _ in a })
      #expect(variables["SWEEP_WORKER_TOKEN"] == nil && variables["SWEEP_ADMIN_TOKEN"] == nil, "\(path)")
      #expect(variables["HF_TOKEN"] == nil, "--secret-env HF_* let HF_TOKEN through")
      #expect(variables["WANDB_MODE"] == "offline")
      let slot = try #require(variables["SWEEP_SLOT"])
      #expect(variables["CUDA_VISIBLE_DEVICES"] == slot, "slot \(slot) saw \(variables["CUDA_VISIBLE_DEVICES"] ?? "-")")
      devices.insert(variables["CUDA_VISIBLE_DEVICES"] ?? "")
      let folder = (artifacts + "/" + path as NSString).deletingLastPathComponent
      #expect(variables["SWEEP_OUTPUT_DIR"] == folder)
      let pwd = try String(contentsOfFile: folder + "/pwd", encoding: .utf8).trimmingCharacters(in: .newlines)
      #expect(
        URL(fileURLWithPath: pwd).resolvingSymlinksInPath() == URL(fileURLWithPath: project).resolvingSymlinksInPath())
    }
    #expect(devices == ["0", "1"])
    let counts = try await CommandRunner.offPool { try fixture.counts(id, serve) }
    #expect(counts["succeeded"] == 4, "\(counts)")
  }
}
