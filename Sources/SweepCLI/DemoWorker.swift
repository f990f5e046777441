import CommandLineSupport
import Foundation
import Platform

/// A worker child process of the demo: this same binary as `sweep worker`.
final class DemoWorker: @unchecked Sendable {
  let name: String
  let process: Process

  private init(name: String, process: Process) {
    self.name = name
    self.process = process
  }

  static func start(name: String, rate: String, provider: String, coordinator: String, token: String, in directory: URL)
    throws -> DemoWorker
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.executablePath)
    process.arguments = [
      "worker", "--coordinator", coordinator, "--name", name, "--provider", provider, "--hourly-cost", rate,
      "--spool", directory.appendingPathComponent("spool-\(name)").path, "--exit-when-done",
    ]
    var environment = ProcessInfo.processInfo.environment
    environment["SWEEP_WORKER_TOKEN"] = token  // not on the command line, where `ps` would show it
    process.environment = environment
    process.currentDirectoryURL = directory
    let logPath = directory.appendingPathComponent("\(name).log").path
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = FileHandle(forWritingAtPath: logPath)
    process.standardOutput = log
    process.standardError = log
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return DemoWorker(name: name, process: process)
  }

  var isRunning: Bool { process.isRunning }

  /// SIGTERM (the worker drains and exits), then SIGKILL if it is still there after 15 s.
  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(15)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}

extension CommandLine {
  /// The running executable, resolved by the platform (so that `swift run` and symlinks work).
  static var executablePath: String { ProcessControl.executablePath() ?? arguments[0] }
}
