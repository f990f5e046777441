import ArgumentParser
import CommandLineSupport
import Shared

/// `sweep workers [--json]`.
struct WorkersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workers",
    abstract: "List workers: provider, rate, state, current leases, trials done, and a paid worker's whole bill.",
    discussion: """
      BILLED is a paid worker's whole life at its rate: its leases (SPENT ON TRIALS) and its idle \
      time (IDLE: no lease on a slot — before the first lease, between leases, waiting). \
      Idle time is charged to the sweep that holds the worker's idle window; idle no budget has \
      paid yet is marked "unbudgeted".
      """)

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
    var rows = [
      ["WORKER", "PROVIDER", "RATE/H", "STATE", "LEASES", "DONE", "SPENT ON TRIALS", "BILLED", "IDLE", "LAST SEEN"]
    ]
    for worker in workers {
      rows.append([
        worker.name, worker.provider.rawValue, "$" + worker.hourlyCostUsd.micros.decimalString,
        worker.state == .active && worker.paused != nil
          ? "paused (\(worker.paused?.rawValue.replacingOccurrences(of: "_", with: " ") ?? ""))"
          : worker.state.rawValue,
        String(worker.currentLeases.count), String(worker.trialsDone), "$" + worker.spentUsd.micros.decimalString,
        worker.billing.map { "$\($0.billedUsd.micros.decimalString) for \(Self.time($0.billedS))" }
          ?? worker.subscription.map {
            "$\($0.chargedUsd.micros.decimalString) (subscription, $\($0.feeUsd.micros.decimalString)/\($0.period))"
          }
          ?? "-",
        worker.billing.map(Self.idle) ?? "-", worker.lastSeen,
      ])
    }
    return TextTable.render(rows)
  }

  /// `3m ($0.02)`, and what of it no budget has paid.
  static func idle(_ billing: WorkerBilling) -> String {
    var text = "\(time(billing.idleS)) ($\(billing.idleUsd.micros.decimalString))"
    if billing.unbudgetedIdleUsd.micros > .zero {
      text += ", $\(billing.unbudgetedIdleUsd.micros.decimalString) unbudgeted"
    }
    return text
  }

  /// Whole seconds (`1h2m5s`): a bill is read, not computed with.
  static func time(_ seconds: Double) -> String { DurationText.format(.seconds(Int64(seconds.rounded()))) }
}
