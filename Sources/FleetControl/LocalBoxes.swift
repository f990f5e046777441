import Foundation
import Platform
import Shared
import Synchronization

/// The `local` provider: each box is a real `sweep worker` process on this machine, named after
/// the box, billing at the group's price from the moment it was started. `down` is SIGTERM: the
/// worker finishes its part (its results delivered, unstarted trials given back) and leaves.
final class LocalBoxes: BoxLauncher {
  let executable: String
  let coordinator: String
  let token: String
  let log: FleetLog
  /// The fleet's `max_idle`: a box without work stops by itself, and the fleet sees it go.
  let maxIdle: Duration
  let caCertificate: String?
  let exits: AsyncStream<String>
  private let exited: AsyncStream<String>.Continuation
  private let children = Mutex<[String: ChildProcess]>([:])

  init(
    executable: String, coordinator: String, token: String, log: FleetLog, maxIdle: Duration, caCertificate: String?
  ) {
    self.executable = executable
    self.coordinator = coordinator
    self.token = token
    self.log = log
    self.maxIdle = maxIdle
    self.caCertificate = caCertificate
    (exits, exited) = AsyncStream.makeStream(of: String.self)
  }

  /// The worker's command line for `box` (the token goes in the environment, where `ps` does not show it).
  func arguments(_ box: FleetBox, group: FleetGroup) -> [String] {
    var arguments = [
      executable, "worker", "--coordinator", coordinator, "--name", box.name, "--provider", "local",
      "--hourly-cost", MicroDollars(group.hourlyRate.microDollarsPerHour).decimalString,
      "--spool", log.folder + "/\(box.name)/spool", "--billing-started-at", box.startedAt.iso8601,
      "--max-idle", DurationText.format(maxIdle), "--laptop", "off",
    ]
    if let caCertificate { arguments += ["--ca-cert", caCertificate] }
    return arguments
  }

  func up(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError) -> String? {
    let folder = log.folder + "/\(box.name)"
    let arguments = arguments(box, group: group)
    log.line("\(box.name): up: \(arguments.joined(separator: " ")) (log: \(folder)/worker.log)")
    var environment = ProcessInfo.processInfo.environment
    environment["SWEEP_WORKER_TOKEN"] = token
    let child: ChildProcess
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      child = try ChildProcess(arguments, environment: environment, output: folder + "/worker.log", directory: folder)
    } catch {
      throw FleetCommandError(
        message: "up of \(box.name) could not start \(executable): \((error as? SpawnError)?.message ?? "\(error)")")
    }
    children.withLock { $0[box.name] = child }
    // Watches the worker for the fleet: a box whose worker left (max-idle, a crash) is gone.
    Task { [self] in
      let status = await child.exitStatus()
      children.withLock { _ = $0.removeValue(forKey: box.name) }
      log.line("\(box.name): worker exited with status \(status)")
      exited.yield(box.name)
    }
    return String(child.pid)
  }

  func down(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError) {
    guard let child = children.withLock({ $0[box.name] }) else { return }  // already gone
    log.line("\(box.name): down: SIGTERM to process \(child.pid)")
    child.terminate()
    _ = await child.exitStatus()
  }
}
