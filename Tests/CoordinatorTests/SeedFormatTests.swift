import Coordinator
import Foundation
import HTTPTypes
import Shared
import TestSupport
import Testing

/// The study's own rows: `format=seed`, `columns=`, and `analyze`/`predict` reading them back.
@Suite struct SeedFormatTests {
  static let specText =
    "name: e\ndomains: [a, b]\nsampler: random\ntrials_per_domain: 7\nspace:\n  x: {uniform: [0, 1]}\ncommand: [run]\n"

  /// The keys of a JSON line, in the order written.
  static func keys(_ line: Substring) -> [String] {
    guard case .mapping(let entries, _)? = try? JSONDocumentReader.parse(String(line)) else { return [] }
    return entries.map(\.key.text)
  }

  func export(_ coordinator: TestCoordinator, csv: Bool = false, _ columns: ResultExport.Selection?) async throws
    -> String
  {
    try await ResultExport(
      store: coordinator.server.store, query: ResultQuery(sweepID: "sw-e"), csv: csv, columns: columns
    ).render()
  }

  @Test func theSeedFormatIsTheStudysRowAndColumnsKeepTheirOrder() async throws {
    let coordinator = try await ResultExportTests().completedSweep()
    defer { coordinator.cleanUp() }
    let seed = try await export(coordinator, .seed).split(separator: "\n")
    #expect(seed.count == 14)
    #expect(seed.allSatisfy { Self.keys($0) == ["domain", "x", "accuracy", "cost", "timestamp"] })

    let named = try await export(coordinator, .named(["accuracy", "domain", "trial_id"])).split(separator: "\n")
    #expect(named.allSatisfy { Self.keys($0) == ["accuracy", "domain", "trial_id"] })
    let csv = try await export(coordinator, csv: true, .named(["domain", "cost", "accuracy"])).split(separator: "\n")
    #expect(csv.first == "domain,cost,accuracy" && csv.count == 15)
    #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",").count == 3 })

    do {
      _ = try await export(coordinator, .named(["domain", "acuracy"]))
      Issue.record("an unknown column was accepted")
    } catch let error as APIError {
      #expect(error.status == .unprocessableContent && error.message.hasSuffix("did you mean 'accuracy'?"), "\(error)")
    }
  }

  @Test func analyzeAndPredictGiveTheSameAnswersFromTheStudysRowsAsFromTheFullExport() async throws {
    let coordinator = try await ResultExportTests().completedSweep()
    defer { coordinator.cleanUp() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let spec = directory.appendingPathComponent("e.yaml").path
    let full = directory.appendingPathComponent("full.jsonl").path
    let seed = directory.appendingPathComponent("seed.jsonl").path
    try Self.specText.write(toFile: spec, atomically: true, encoding: .utf8)
    try try await export(coordinator, nil).write(toFile: full, atomically: true, encoding: .utf8)
    try try await export(coordinator, .seed).write(toFile: seed, atomically: true, encoding: .utf8)
    for command in ["analyze", "predict"] {
      let fromFull = try CommandRunner.run("sweep", [command, "--results", full, "--spec", spec])
      let fromSeed = try CommandRunner.run("sweep", [command, "--results", seed, "--spec", spec])
      #expect(fromFull.status == 0 && fromSeed.status == 0, "\(fromFull.stderr)\(fromSeed.stderr)")
      #expect(
        !fromSeed.stdout.isEmpty && fromSeed.stdout == fromFull.stdout, "\(fromSeed.stdout)\n---\n\(fromFull.stdout)")
    }
  }
}
