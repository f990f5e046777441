import Foundation
import Logging
import Platform
import Shared
import Synchronization

@testable import Worker

/// The real ``WorkerAgent`` in-process: a manual clock, a scripted coordinator, scripted trial
/// programs and a fake power sensor; a real spool in a temporary folder. Its log lines are kept
/// for failure messages.
final class AgentHarness: Sendable {
  let clock = ManualClock()
  let api: FakeCoordinator
  let launcher: FakeLauncher
  let power: FakePowerSensor
  let root: String
  let lines = LogLines()

  init(leases: [LeaseResponse], launcher: FakeLauncher = FakeLauncher(), power: PowerReading = .unknown) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
    self.root = root
    self.launcher = launcher
    self.power = FakePowerSensor(power)
    api = FakeCoordinator(leases: leases) {
      // what is on disk in the journal when a report leaves
      (try? String(contentsOfFile: root + "/spool/results/journal.jsonl", encoding: .utf8)) ?? ""
    }
  }

  func agent(_ configure: (inout WorkerConfiguration) -> Void = { _ in }) -> WorkerAgent {
    var configuration = WorkerConfiguration(
      coordinator: "http://coordinator.test", joinToken: "join", name: "laptop", provider: .local,
      hourlyCost: MicroDollars(0), gpu: nil, slots: 1, spool: root + "/spool", cooldown: .zero, maxIdle: nil,
      exitWhenDone: false, onExit: nil, selfInvocation: ["sweep-worker"], projectDirectory: root)
    configure(&configuration)
    let lines = self.lines
    let log = WorkerLog(logger: Logger(label: "test") { _ in LineCollector(lines: lines) })
    return WorkerAgent(
      configuration: configuration,
      runtime: WorkerRuntime(
        clock: clock, api: api, launcher: launcher, power: power, environment: ["PATH": "/usr/bin:/bin"],
        keepAwakeCommand: ["inhibit"], log: log))
  }

  /// The coordinator calls without heartbeats, as text.
  var callsWithoutHeartbeats: [String] {
    api.calls.filter { if case .heartbeat = $0 { false } else { true } }.map(\.description)
  }

  var log: String { lines.text }

  func cleanUp() { try? FileManager.default.removeItem(atPath: root) }
}

/// Log lines kept in memory.
final class LogLines: Sendable {
  private let lines = Mutex<[String]>([])
  func append(_ line: String) { lines.withLock { $0.append(line) } }
  var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

struct LineCollector: LogHandler {
  let lines: LogLines
  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?
  var logLevel: Logger.Level = .debug
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  func log(event: LogEvent) { lines.append("\(event.level) \(event.message)") }
}
