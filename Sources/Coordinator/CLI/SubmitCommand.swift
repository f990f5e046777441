import ArgumentParser
import Shared

/// `sweep submit SPEC`: sends a spec to the coordinator and prints the new sweep's id.
struct SubmitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit", abstract: "Submit a sweep spec to the coordinator; prints the new sweep id alone on stdout.")

  @Argument(help: "The spec file (YAML or JSON), or - for stdin.") var spec: String
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let (spec, text) = try SpecFile.load(self.spec)
    let client = try admin.client()
    let json = DocumentFormat.detect(fileName: self.spec, text: text) == .json
    let reply = try await client.send(
      .POST, "/v1/sweeps", body: text, contentType: json ? "application/json" : "application/yaml")
    let created = try client.decode(SweepCreated.self, reply)
    var out = StandardOutput()
    out.line(created.id)
    out.flush()
    StandardOutput.error(
      "submitted '\(spec.name)': \(created.totalTrials) trials in \(created.shards) shards, budget $\(spec.budget.decimalString)"
    )
  }
}

/// `sweep cancel SWEEP`.
struct CancelCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cancel", abstract: "Cancel a sweep: no new leases; running trials are told to stop.")

  @Argument(help: "The sweep id.") var sweep: String
  @OptionGroup var admin: AdminOptions

  func run() async throws {
    let client = try admin.client()
    let status = try client.decode(SweepStatus.self, try await client.send(.POST, "/v1/sweeps/\(sweep)/cancel"))
    var out = StandardOutput()
    out.line(
      "\(status.id) \(status.state): spent $\(status.spentUsd.micros.decimalString) of $\(status.budgetUsd.micros.decimalString)"
    )
    out.flush()
  }
}

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
        worker.name, worker.provider.rawValue, "$" + worker.hourlyCostUsd.micros.decimalString, worker.state,
        String(worker.currentLeases.count), String(worker.trialsDone), "$" + worker.spentUsd.micros.decimalString,
        worker.lastSeen,
      ])
    }
    return TextTable.render(rows)
  }
}

/// Left-aligned columns separated by two spaces.
public enum TextTable {
  public static func render(_ rows: [[String]]) -> [String] {
    let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { index, cell in
        index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
      }.joined(separator: "  ")
    }
  }
}
