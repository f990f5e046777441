import ArgumentParser
import Foundation

/// `sweep-bench`: the benchmarks of docs/performance.md. Build with `-c release`.
@main
struct SweepBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep-bench",
    abstract: "Measure LoRASweep: end to end over HTTP, ingest, sampling, submit and export.",
    discussion: """
      Every figure is the median of --repetitions runs after one warm-up run, with min and max.
      Run it from a release build (swift run -c release sweep-bench); it starts `sweep serve`
      from the same build folder. Scenarios: end-to-end, workers, ingest, sampling, submit-export, all.
      """)

  @Option(
    help: "Scenario to run: end-to-end, workers (real sweep-worker processes), ingest, sampling, submit-export or all.")
  var scenario = "all"
  @Option(help: "Repetitions counted per figure (after one warm-up).") var repetitions = 3
  @Option(help: "Simulated worker counts for end-to-end, comma-separated.") var workers = "1,16,256,1000"
  @Option(help: "Shard sizes for end-to-end, comma-separated.") var shardSizes = "1,8"
  @Option(
    help:
      "How end-to-end workers report: batch (a lease's results in one request, as sweep-worker does when several are waiting), single (one request per result) or both."
  )
  var reports = "batch"
  @Option(help: "Trials per end-to-end run.") var trials = 20_000
  @Option(help: "Trials for sampling, submit and export.") var bigTrials = 1_000_000
  @Option(help: "Results per ingest run.") var ingestResults = 20_000
  @Option(help: "Real sweep-worker processes for the workers scenario.") var workerProcesses = 2
  @Option(help: "Slots per real worker for the workers scenario.") var slots = 8
  @Option(help: "Finished trials for the dashboard scenario, comma-separated.") var dashboardResults = "10000,100000"
  @Option(help: "Write every row as JSON to this file.") var json: String?

  func run() async throws {
    var rows: [ResultRow] = []
    func emit(_ row: ResultRow) {
      rows.append(row)
      say(Self.line(row))
    }
    let chosen = scenario == "all" ? ["sampling", "ingest", "end-to-end", "submit-export"] : [scenario]
    for name in chosen {
      switch name {
      case "end-to-end":
        let modes: [Bool]
        switch reports {
        case "batch": modes = [true]
        case "single": modes = [false]
        case "both": modes = [false, true]
        default: throw ValidationError("--reports: expected batch, single or both, got '\(reports)'")
        }
        for batch in modes {
          for shard in try list(shardSizes) {
            for count in try list(workers) {
              emit(
                try await EndToEndScenario(
                  workers: count, shardSize: shard, trials: trials, repetitions: repetitions, batchReports: batch
                ).run())
            }
          }
        }
      case "workers":
        for shard in try list(shardSizes) {
          emit(
            try await RealWorkersScenario(
              workers: workerProcesses, slots: slots, shardSize: shard, trials: trials, repetitions: repetitions
            ).run())
        }
      case "ingest":
        for concurrency in [1, 64] {
          emit(
            try await IngestScenario(results: ingestResults, concurrency: concurrency, repetitions: repetitions).run())
        }
      case "dashboard":
        for count in try list(dashboardResults) {
          emit(try await DashboardScenario(results: count, repetitions: repetitions).run())
        }
      case "sampling":
        for row in try await SamplingScenario(trials: bigTrials, repetitions: repetitions).run() { emit(row) }
      case "submit-export":
        for row in try await SubmitExportScenario(trials: bigTrials, repetitions: max(1, repetitions - 1)).run() {
          emit(row)
        }
      default:
        throw ValidationError(
          "--scenario: expected end-to-end, workers, ingest, sampling, submit-export or all, got '\(name)'")
      }
    }
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
      say("wrote \(rows.count) rows to \(json)")
    }
  }

  private func list(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
      guard let value = Int($0.trimmingCharacters(in: .whitespaces)), value > 0 else {
        throw ValidationError("expected comma-separated positive numbers, got '\(text)'")
      }
      return value
    }
  }

  static func line(_ row: ResultRow) -> String {
    let parameters = row.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    let figures = row.figures.sorted { $0.key < $1.key }.map { name, sample in
      "\(name) \(sample.values.count > 1 ? sample.text(name.contains("ms") ? 2 : 0) : Sample.format(sample.median, 2))"
    }.joined(separator: ", ")
    let notes = row.notes.isEmpty ? "" : " [" + row.notes.joined(separator: "; ") + "]"
    return "\(row.scenario) \(parameters): \(figures)\(notes)"
  }
}

/// Unbuffered output, so that progress shows through a pipe.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
