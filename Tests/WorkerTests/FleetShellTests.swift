import Foundation
import Shared
import TestSupport
import Testing

@testable import FleetControl

/// The shell providers of `sweep fleet up`: `up` and `down` run for real under /bin/sh with the
/// join token in their environment (never in the log), their output logged, the id read from
/// `up`'s last line. The cloud templates are checked for syntax and, against stand-ins for the
/// providers' command lines that print their documented output, for the id they read — no cloud
/// is reachable here, so nothing is rented.
@Suite struct FleetShellTests {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-shell-\(UUID().uuidString)").path

  func boxes(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShellBoxes {
    var boxes = ShellBoxes(
      coordinator: "https://coord.example:8443", token: "wjt-secret", log: try FleetLog(folder: folder))
    boxes.environment = environment
    return boxes
  }

  func box(_ name: String) -> FleetBox {
    FleetBox(name: name, group: "g", state: .starting, startedAt: Timestamp(iso8601: "2026-12-03T09:00:00Z")!)
  }

  func group(_ provider: FleetProvider, up: String? = nil, down: String? = nil) -> FleetGroup {
    var group = FleetGroup(name: "g", count: 1, hourlyRate: HourlyRate(microDollarsPerHour: 440_000))
    group.provider = provider
    group.upCommand = up ?? provider.defaultUp
    group.downCommand = down ?? provider.defaultDown
    group.gpu = "NVIDIA GeForce RTX 3090"
    group.image = "me/train:lorasweep"
    return group
  }

  var log: String { (try? String(contentsOfFile: folder + "/fleet.log", encoding: .utf8)) ?? "" }

  @Test func upAndDownRunWithTheTokenInTheirEnvironmentAndTheirOutputLogged() async throws {
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let shell = try boxes()
    let own = group(
      .command,
      up: #"echo renting {name} at {hourly_cost}/h >&2; test "${#SWEEP_WORKER_TOKEN}" = 10 && echo id-{name}"#,
      down: "echo giving back {id}")
    var rented = box("f-g-1")
    rented.id = try await shell.up(rented, group: own)
    #expect(rented.id == "id-f-g-1")
    try await shell.down(rented, group: own)
    #expect(log.contains("f-g-1: up: | renting f-g-1 at 0.44/h") && log.contains("f-g-1: down: | giving back id-f-g-1"))
    #expect(!log.contains("wjt-secret"))

    let failing = group(.command, up: "echo no capacity >&2; exit 3", down: "true")
    await #expect(throws: FleetCommandError.self) { _ = try await shell.up(box("f-g-2"), group: failing) }
    #expect(log.contains("f-g-2: up: | no capacity"))

    var slow = try boxes()
    slow.timeout = .milliseconds(300)
    let started = ContinuousClock.now
    do {
      _ = try await slow.up(box("f-g-3"), group: group(.command, up: "sleep 30; echo late", down: "true"))
      Issue.record("a stuck up must fail")
    } catch {
      #expect(error.message.contains("took longer than 300ms and was stopped"))
    }
    #expect(ContinuousClock.now - started < .seconds(20))
  }

  @Test func theCloudTemplatesParseAndReadTheIdTheirCommandLinesPrint() async throws {
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bin = folder + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    // Stand-ins that record their arguments and print what the real ones document.
    let stubs = [
      "runpodctl": #"echo "$@" >> "$(dirname "$0")/runpodctl.args"; echo 'pod "xyz789" created for $0.440 / hr'"#,
      "vastai": #"""
      echo "$@" >> "$(dirname "$0")/vastai.args"
      case "$1" in search) echo '[{"id": 42, "dph_total": 0.3}]' ;; create) echo '{"success": true, "new_contract": 7777}' ;; esac
      """#,
      "sky": #"echo "$@" >> "$(dirname "$0")/sky.args"; echo "Launching...""#,
    ]
    for (name, body) in stubs {
      let path = bin + "/" + name
      try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    let shell = try boxes(environment)
    let expected: [FleetProvider: String] = [.runpod: "xyz789", .vastai: "7777", .skypilot: "f-g-1"]
    for (provider, id) in expected {
      let machines = group(provider)
      var rented = box("f-g-1")
      for command in [machines.upCommand!, machines.downCommand!] {
        let filled = FleetProvider.fill(
          command, shell.values(rented, group: machines).merging(["id": id]) { a, _ in a })
        #expect(try DeployRecipeSyntax.parses(filled), "\(provider): \(filled)")
      }
      rented.id = try await shell.up(rented, group: machines)
      #expect(rented.id == id, "\(provider)\n\(log)")
      try await shell.down(rented, group: machines)
    }
    let runpod = try String(contentsOfFile: bin + "/runpodctl.args", encoding: .utf8)
    #expect(runpod.contains("--gpuType NVIDIA GeForce RTX 3090 --gpuCount 1 --imageName me/train:lorasweep"))
    #expect(
      runpod.contains("SWEEP_WORKER_TOKEN=wjt-secret")
        && runpod.contains("SWEEP_BILLING_STARTED_AT=2026-12-03T09:00:00.000Z"))
    #expect(runpod.contains("remove pod xyz789"))
    let vast = try String(contentsOfFile: bin + "/vastai.args", encoding: .utf8)
    #expect(vast.contains("create instance 42 --image me/train:lorasweep") && vast.contains("destroy instance 7777"))
    let sky = try String(contentsOfFile: bin + "/sky.args", encoding: .utf8)
    #expect(
      sky.contains(
        "launch -y -d -c f-g-1 --gpus NVIDIA GeForce RTX 3090 --env SWEEP_WORKER_TOKEN curl -fsSL https://coord.example:8443/install.sh"
      ))
    #expect(sky.contains("--name f-g-1 --billing-started-at 2026-12-03T09:00:00.000Z") && sky.contains("down -y f-g-1"))
    #expect(!log.contains("wjt-secret"))
    // A coordinator with its own CA: the installer is fetched with its key pinned.
    var pinned = shell
    pinned.pin = "sha256//tyA6WbdmKy+3OU+e/3AyXrFc9Wfl9IT51ZmpBp/RzUg="
    let values = pinned.values(box("f-g-9"), group: group(.skypilot))
    #expect(values["install"]?.hasPrefix("curl -fsSL --insecure --pinnedpubkey sha256//tyA6") == true)
    #expect(values["tls_pin"] == pinned.pin)
  }
}

/// `sh -n`: whether the shell can parse a command.
enum DeployRecipeSyntax {
  static func parses(_ script: String) throws -> Bool {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString)").path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try CommandRunner.run(executable: "/bin/sh", ["-n", path], directory: "/").status == 0
  }
}
