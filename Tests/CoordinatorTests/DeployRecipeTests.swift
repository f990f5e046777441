import Foundation
import TestSupport
import Testing
import Yams

/// `sweep deploy TARGET` through the real binary: each recipe is what deploy/recipes/ holds, and
/// filled in it parses with the target's own format — YAML for cloud-init, SkyPilot and
/// Kubernetes, `bash -n`/`sh -n` for the scripts and the commands inside the others.
@Suite struct DeployRecipeTests {
  static let files = [
    "docker": "Dockerfile", "cloud-init": "cloud-init.yaml", "systemd": "sweep-worker-install.service",
    "skypilot": "skypilot.yaml", "kubernetes": "kubernetes-job.yaml", "slurm": "sweep-worker.sbatch",
  ]
  static let filled = [
    "--coordinator", "https://coord.example:8443", "--token", "wjt-abc_123", "--hourly-cost", "0.44", "--provider",
    "runpod", "--slots", "2", "--workers", "3", "--gpus", "1",
  ]

  static func deploy(_ target: String, _ arguments: [String]) throws -> String {
    let result = try CommandRunner.run("sweep", ["deploy", target] + arguments)
    guard result.status == 0 else { throw TestFailure("sweep deploy \(target): \(result.stderr)") }
    return result.stdout
  }

  /// `sh -n` (or `bash -n`) on a script: whether the shell can parse it.
  static func parses(_ script: String, shell: String = "/bin/sh") throws -> Bool {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString)").path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try CommandRunner.run(executable: shell, ["-n", path], directory: "/").status == 0
  }

  @Test func deployHoldsEveryRecipeAsItsTemplate() throws {
    for (target, file) in Self.files {
      let kept = try String(
        contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("deploy/recipes/\(file)"), encoding: .utf8)
      #expect(
        try Self.deploy(target, ["--template"]) == kept,
        "deploy/recipes/\(file) differs from sweep deploy \(target) --template")
    }
  }

  @Test func filledRecipesParseAndInstallFromTheCoordinator() throws {
    let install = "curl -fsSL https://coord.example:8443/install.sh | sh -s --"

    let cloud = try #require(try Yams.load(yaml: try Self.deploy("cloud-init", Self.filled)) as? [String: Any])
    let runcmd = try #require((cloud["runcmd"] as? [[String]])?.first)
    #expect(
      runcmd.prefix(2) == ["sh", "-c"] && runcmd[2].hasPrefix(install) && runcmd[2].contains("--token wjt-abc_123"))
    #expect(try Self.parses(runcmd[2]))

    let sky = try #require(try Yams.load(yaml: try Self.deploy("skypilot", Self.filled)) as? [String: Any])
    #expect(sky["num_nodes"] as? Int == 3)
    let run = try #require(sky["run"] as? String)
    #expect(run.hasPrefix(install) && run.contains("--exit-when-done"))
    #expect(try Self.parses(run, shell: "/bin/bash"))

    let job = try #require(try Yams.load(yaml: try Self.deploy("kubernetes", Self.filled)) as? [String: Any])
    #expect(job["kind"] as? String == "Job")
    let spec = try #require(job["spec"] as? [String: Any])
    #expect(spec["completions"] as? Int == 3 && spec["completionMode"] as? String == "Indexed")
    let container = try #require(
      (((spec["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
    let command = try #require((container["args"] as? [String])?.first)
    #expect(command.contains(install) && !command.contains("wjt-abc_123"), "the token comes from a secret: \(command)")
    #expect(try Self.parses(command))
    #expect(((container["resources"] as? [String: Any])?["limits"] as? [String: Any])?["nvidia.com/gpu"] as? Int == 1)

    let sbatch = try Self.deploy("slurm", Self.filled)
    #expect(try Self.parses(sbatch, shell: "/bin/bash"))
    #expect(sbatch.contains("#SBATCH --array=1-3") && sbatch.contains("#SBATCH --gpus-per-task=1"))
    #expect(sbatch.contains(install) && sbatch.contains("--spool \"$SWEEP_HOME/spool-"))

    let unit = try Self.deploy("systemd", Self.filled)
    #expect(["[Unit]", "[Service]", "[Install]"].allSatisfy { unit.contains("\n\($0)\n") })
    let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=/bin/sh -c '") })
    #expect(try Self.parses(String(exec.dropFirst("ExecStart=/bin/sh -c '".count).dropLast())))

    let dockerfile = try Self.deploy("docker", Self.filled)
    let instructions = ["FROM", "ARG", "RUN", "ENV", "WORKDIR", "ENTRYPOINT"]
    for line in dockerfile.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
      #expect(instructions.contains { line.hasPrefix($0 + " ") }, "not a Dockerfile instruction: \(line)")
    }
    let entrypoint = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("ENTRYPOINT ") })
    let argv = try #require(
      try JSONSerialization.jsonObject(with: Data(entrypoint.dropFirst("ENTRYPOINT ".count).utf8)) as? [String])
    #expect(argv.count == 3 && argv[0] == "/bin/sh" && argv[2].contains("$SWEEP_COORDINATOR/install.sh"))
    #expect(try Self.parses(argv[2]))
    // The image holds no token: the template's variables carry it at start.
    let env = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("ENV ") })
    #expect(!env.contains("wjt-abc_123") && dockerfile.contains("SWEEP_WORKER_TOKEN=wjt-abc_123"))
  }

  @Test func aWrongTargetOrAMissingAddressSaysWhatToDo() throws {
    let typo = try CommandRunner.run("sweep", ["deploy", "kubernets"])
    #expect(typo.status != 0 && typo.stderr.contains("did you mean 'kubernetes'"), "\(typo.stderr)")
    let nowhere = try CommandRunner.run("sweep", ["deploy", "docker", "--token", "x"])
    #expect(nowhere.status == 2 && nowhere.stderr.contains("--coordinator"), "\(nowhere.stderr)")
    let bad = try CommandRunner.run(
      "sweep", ["deploy", "docker", "--token", "x", "--coordinator", "http://coord;rm -rf /"])
    #expect(bad.status == 2 && bad.stderr.contains("not an http(s) URL"), "\(bad.stderr)")
  }

  @Test func aCoordinatorWithItsOwnAuthorityIsPinnedInEveryRecipe() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-pin-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("sweep.db.tls"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let pin = "sha256//tyA6WbdmKy+3OU+e/3AyXrFc9Wfl9IT51ZmpBp/RzUg="
    try (pin + "\n").write(
      to: folder.appendingPathComponent("sweep.db.tls/pin"), atomically: true, encoding: .utf8)
    let db = ["--db", folder.appendingPathComponent("sweep.db").path]
    let cloud = try #require(try Yams.load(yaml: try Self.deploy("cloud-init", Self.filled + db)) as? [String: Any])
    let line = try #require((cloud["runcmd"] as? [[String]])?.first?[2])
    #expect(line.hasPrefix("curl -fsSL --insecure --pinnedpubkey \(pin) https://coord.example:8443/install.sh"))
    #expect(try Self.parses(line))
    let docker = try Self.deploy("docker", Self.filled + db)
    #expect(docker.contains("SWEEP_TLS_PIN=\(pin)") && docker.contains("${SWEEP_TLS_PIN:+--insecure --pinnedpubkey"))
    // Plain HTTP is never pinned; a pin that is not one is refused.
    let plain = Self.filled.map { $0 == "https://coord.example:8443" ? "http://coord.example:8080" : $0 }
    #expect(!(try Self.deploy("cloud-init", plain + db)).contains("pinnedpubkey"))
    let bad = try CommandRunner.run("sweep", ["deploy", "slurm"] + Self.filled + ["--pin", "sha256//no pe"])
    #expect(bad.status == 2 && bad.stderr.contains("--pin: expected sha256//"), "\(bad.stderr)")
  }
}
