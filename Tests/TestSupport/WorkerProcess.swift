import Foundation

/// A running `sweep-worker`.
public final class WorkerProcess: @unchecked Sendable {
  public let process: ChildProcess
  public let logPath: String

  /// `environment`: added to this process's own; `directory`: where it starts (its default `--workdir`).
  public init(arguments: [String], log: String, environment: [String: String] = [:], directory: String? = nil) throws {
    logPath = log
    // Appends: a restarted worker keeps the log of its earlier lives (their acknowledgements count).
    process = try ChildProcess(
      executable: CommandRunner.productsDirectory.appendingPathComponent("sweep-worker").path, arguments,
      directory: directory, environment: environment, output: .appending(to: log))
  }

  public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
  public var isRunning: Bool { process.isRunning }
  public var pid: Int32 { process.pid }

  public func signal(_ signal: Int32) { process.signal(signal) }

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
    if process.isRunning { process.signal(SIGKILL) }
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
