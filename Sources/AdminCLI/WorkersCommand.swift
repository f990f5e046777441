import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep workers [--json]`.
struct WorkersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workers", abstract: "List workers: provider, rate, state, current leases, trials done, money spent.")

  @Flag(help: "Print the JSON list.") var json = false
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let client = try admin.client()
    let reply = try await client.send(.GET, "/v1/workers")
    var out = StandardOutput()
    if json {
      out.line(String(decoding: reply.body, as: UTF8.self))
    } else {
      let list = try client.decode(WorkerList.self, reply)
      for line in WorkerTable.lines(list.workers) { out.line(line) }
    }
    out.flush()
  }
}

/// The human table of workers.
enum WorkerTable {
  static func lines(_ workers: [WorkerSummary]) -> [String] {
    guard !workers.isEmpty else { return ["no workers registered"] }
    var rows = [["WORKER", "PROVIDER", "RATE/H", "STATE", "LEASES", "DONE", "SPENT", "LAST SEEN"]]
    for worker in workers {
      rows.append([
        worker.name, worker.provider.rawValue, "$" + worker.hourlyCostUsd.micros.decimalString,
        worker.state == .active && worker.paused != nil
          ? "paused (\(worker.paused?.rawValue.replacingOccurrences(of: "_", with: " ") ?? ""))"
          : worker.state.rawValue,
        String(worker.currentLeases.count), String(worker.trialsDone), "$" + worker.spentUsd.micros.decimalString,
        worker.lastSeen,
      ])
    }
    return TextTable.render(rows)
  }
}
