import Foundation

/// A running `sweep-worker`.
public final class WorkerProcess: @unchecked Sendable {
  public let process = Process()
  public let logPath: String

  /// `environment`: added to this process's own; `directory`: where it starts (its default `--workdir`).
  public init(arguments: [String], log: String, environment: [String: String] = [:], directory: String? = nil) throws {
    logPath = log
    process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("sweep-worker")
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    // Appends: a restarted worker keeps the log of its earlier lives (their acknowledgements count).
    if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
    let handle = FileHandle(forWritingAtPath: log)
    handle?.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
  }

  public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
  public var isRunning: Bool { process.isRunning }
  public var pid: Int32 { process.processIdentifier }

  public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

  /// Waits up to `seconds` for the process to exit without holding a thread (async tests share
  /// a small pool); returns its status, or nil if it still runs.
  public func exit(within seconds: Double) async -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(200)) }
    return process.isRunning ? nil : process.terminationStatus
  }

  /// Waits up to `seconds` for the process to exit; returns its status, or nil if it still runs.
  public func wait(_ seconds: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    return process.isRunning ? nil : process.terminationStatus
  }

  public func kill9() {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }
}

/// What a worker's spool still holds, read from its journal (`SPOOL/results/journal.jsonl`:
/// result lines and acknowledgement lines) the way the worker replays it.
public enum SpoolContents {
  /// The "trial#attempt" keys of results not yet acknowledged.
  public static func pending(spool: String) -> [String] {
    guard let text = try? String(contentsOfFile: spool + "/results/journal.jsonl", encoding: .utf8) else { return [] }
    var waiting: [String] = []
    for line in text.split(separator: "\n") {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
      if let result = object["result"] as? [String: Any], let trial = result["trial_id"] as? String,
        let attempt = (result["report"] as? [String: Any])?["attempt"] as? Int
      {
        waiting.append("\(trial)#\(attempt)")
      }
      if let ack = object["ack"] as? String { waiting.removeAll { $0 == ack } }
    }
    return waiting
  }
}
