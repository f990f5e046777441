import Foundation
import Shared

/// Boxes rented by the group's `up` and `down` shell commands (runpod, vastai, skypilot, command):
/// each runs under `/bin/sh -c` with `SWEEP_WORKER_TOKEN` in its environment, its output goes to
/// the fleet's log, and the last line `up` prints is the box's id.
struct ShellBoxes: BoxLauncher {
  var coordinator: String
  var token: String
  /// The coordinator's key pin when `sweep serve --tls auto` made its certificate (`{tls_pin}`, and
  /// in `{install}`).
  var pin: String? = nil
  var log: FleetLog
  /// A rented box's command may take minutes (an image pull); a stuck one is stopped after this.
  var timeout: Duration = .seconds(900)
  /// What the commands run with (this process's environment; the join token is added).
  var environment = ProcessInfo.processInfo.environment
  let exits = AsyncStream<String> { _ in }

  /// The values of the placeholders of `group`'s templates for `box`.
  func values(_ box: FleetBox, group: FleetGroup) -> [String: String] {
    let provider = group.provider?.workerProvider ?? .other
    let cost = MicroDollars(group.hourlyRate.microDollarsPerHour).decimalString
    var values = [
      "name": box.name, "coordinator": coordinator, "hourly_cost": cost, "provider": provider.rawValue,
      "started_at": box.startedAt.iso8601, "tls_pin": pin ?? "",
      "install": FleetProvider.installLine(
        coordinator: coordinator, name: box.name, hourlyCost: cost, provider: provider, startedAt: box.startedAt,
        pin: pin),
    ]
    values["gpu"] = group.gpu
    values["image"] = group.image
    values["id"] = box.id
    return values
  }

  func up(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError) -> String? {
    let command = FleetProvider.fill(group.upCommand ?? "", values(box, group: group))
    let output = try await run(command, for: box, what: "up")
    return output.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) }
  }

  func down(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError) {
    let command = FleetProvider.fill(group.downCommand ?? "", values(box, group: group))
    _ = try await run(command, for: box, what: "down")
  }

  /// Runs `command`, logs it and its output, returns its standard output and error.
  private func run(_ command: String, for box: FleetBox, what: String) async throws(FleetCommandError) -> String {
    let file = log.folder + "/\(box.name)-\(what)-\(UInt32.random(in: 0...UInt32.max)).out"
    defer { try? FileManager.default.removeItem(atPath: file) }
    var environment = environment
    environment["SWEEP_WORKER_TOKEN"] = token
    log.line("\(box.name): \(what): \(command)")
    let status: Int32
    do {
      let child = try ChildProcess(
        ["/bin/sh", "-c", command], environment: environment, output: file,
        directory: FileManager.default.currentDirectoryPath)
      let finished: Int32? = await withTaskGroup(of: Int32?.self) { group in
        group.addTask { await child.exitStatus() }
        group.addTask { [timeout] in
          try? await Task.sleep(for: timeout)
          return nil
        }
        let first = await group.next() ?? nil
        if first == nil { child.terminateGroup() }
        group.cancelAll()
        return first
      }
      status = finished ?? 124
    } catch {
      throw FleetCommandError(message: "\(what) of \(box.name) could not start /bin/sh: \(error.message)")
    }
    let output = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    for line in output.split(whereSeparator: \.isNewline) { log.line("\(box.name): \(what): | \(line)") }
    guard status == 0 else {
      let why = status == 124 ? "took longer than \(DurationText.format(timeout)) and was stopped" : "exited \(status)"
      throw FleetCommandError(message: "\(what) of \(box.name) \(why)")
    }
    return output
  }
}
