import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep results SWEEP [--format jsonl|csv|table] [--best] [--domain D] [-o FILE]`.
struct ResultsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "results", abstract: "Export a sweep's merged results: one record per finished trial.")

  enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv, table, seed }

  @Argument(help: "The sweep id.") var sweep: String
  @Option(
    help:
      "jsonl (default), csv, table, or seed: JSON lines of the study's own row (domain, parameters, metrics, cost, timestamp)."
  )
  var format: Format = .jsonl
  @Option(
    help:
      "Only these columns, in this order, e.g. domain,rank,weight_decay,accuracy,latency,cost,timestamp (not with --format seed)."
  )
  var columns: String?
  @Flag(help: "Only the best trial of each domain.") var best = false
  @Option(help: "Only this domain.") var domain: String?
  @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?
  @Flag(
    help:
      "Instead of the records: how the transfer source's best configurations did in each target (a sweep with transfer)."
  )
  var transferReport = false
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    if columns != nil && format == .seed {
      throw ValidationError("--format seed is a fixed list of columns; use --columns with jsonl or csv instead")
    }
    if let columns, columns.split(separator: ",").isEmpty {
      throw ValidationError("--columns: expected names separated by commas, e.g. domain,accuracy")
    }
  }

  func run() async throws {
    if transferReport {
      try await printTransferReport()
      return
    }
    let client = try admin.client()
    var path = "/v1/sweeps/\(sweep)/results?format=\(format == .table ? "jsonl" : format.rawValue)"
    if best { path += "&best=true" }
    if let columns {
      path += "&columns=" + (columns.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? columns)
    }
    if let domain {
      path += "&domain=" + (domain.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? domain)
    }
    guard format != .table else {
      // a table is for reading: small enough to build in memory
      let reply = try await client.send(.GET, path)
      let text =
        ResultTable.render(jsonl: String(decoding: reply.body, as: UTF8.self), exactColumns: columns != nil)
        .joined(separator: "\n") + "\n"
      try write(Data(text.utf8))
      return
    }
    guard let output else {
      _ = try await client.download(path, to: FileHandle.standardOutput)
      return
    }
    // Stream into FILE.partial, then rename: FILE is either complete or untouched.
    let partial = output + ".partial"
    guard FileManager.default.createFile(atPath: partial, contents: nil),
      let handle = FileHandle(forWritingAtPath: partial)
    else { throw CLIError(.runtime, "\(output): cannot write the results (cannot create \(partial))") }
    do {
      _ = try await client.download(path, to: handle)
      try handle.close()
      _ = try? FileManager.default.removeItem(atPath: output)
      try FileManager.default.moveItem(atPath: partial, toPath: output)
    } catch let error as CLIError {
      try? FileManager.default.removeItem(atPath: partial)
      throw error
    } catch {
      try? FileManager.default.removeItem(atPath: partial)
      throw CLIError(.runtime, "\(output): cannot write the results (\(error.localizedDescription))")
    }
  }

  private func printTransferReport() async throws {
    var input = try AnalysisInput.parse([sweep])
    input.admin = admin
    let (spec, records) = try await input.load()
    guard let report = TransferReport(spec: spec, records: records) else {
      throw CLIError(.badInput, "sweep \(sweep) has no transfer: its spec has no `transfer:` key")
    }
    var lines = ["transfer from \(report.source) (top \(spec.transfer?.topK ?? 0) configurations):"]
    for target in report.targets {
      let correlation = target.rankCorrelation.map { String(format: "%.3f", $0) } ?? "—"
      lines.append(
        "  \(target.domain): \(target.inTopK) of \(target.transferred) transferred in its own top \(target.topK); "
          + "rank correlation with \(report.source) \(correlation) over \(target.sharedConfigurations) shared configuration(s); "
          + "best \(target.best.map { String(format: "%.4f", $0) } ?? "—")\(target.bestWasTransferred ? " (a transferred one)" : "")"
      )
      lines.append("    " + Self.verdictLine(target, margin: spec.transfer?.refine?.margin))
    }
    try write(Data((lines.joined(separator: "\n") + "\n").utf8))
  }

  /// Whether the transfer held in a target, against what, and what followed.
  static func verdictLine(_ target: TransferReport.Target, margin: Double?) -> String {
    guard let verdict = target.verdict else { return "transfer held: not known yet (no results to compare)" }
    let against = verdict.reference == .own ? "its own screening best" : "the source's best"
    let numbers =
      "transferred best \(String(format: "%.4f", verdict.transferredBest)) vs \(against) \(String(format: "%.4f", verdict.referenceBest))"
    let allowance = margin.map { " (refine_if_worse_by \($0))" } ?? ""
    if verdict.held { return "transfer held: \(numbers)\(allowance)" }
    let followUp = target.refined > 0 ? "; \(target.refined) refinement trial(s) ran" : ""
    return
      "transfer did not hold: \(numbers), short by \(String(format: "%.4f", verdict.shortfall))\(allowance)\(followUp)"
  }

  private func write(_ data: Data) throws {
    if let output {
      do {
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
      } catch {
        throw CLIError(.runtime, "\(output): cannot write the results (\(error.localizedDescription))")
      }
    } else {
      FileHandle.standardOutput.write(data)
    }
  }
}

/// A readable table of result lines.
enum ResultTable {
  /// `exactColumns`: the lines hold only the columns asked for; show them as they are.
  static func render(jsonl: String, exactColumns: Bool = false) -> [String] {
    var objects: [[String: Any]] = []
    var header: [String] = []
    for line in jsonl.split(separator: "\n") {
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
      if header.isEmpty && exactColumns {
        header = orderedKeys(String(line))
      } else if header.isEmpty {
        let fixed = Set(ResultColumns.trailing + ResultColumns.jsonOnly + ["domain"])
        header = ["domain"] + orderedKeys(String(line)).filter { !fixed.contains($0) } + ["cost", "status", "worker"]
      }
      objects.append(object)
    }
    guard !objects.isEmpty else { return ["no finished trials yet"] }
    // Failures say why, in the table too: the exit code and the reason (shortened).
    if !exactColumns, objects.contains(where: { $0["error"] is String }) { header += ["exit_code", "error"] }
    let rows = objects.map { object in
      header.map { key in
        let text = describe(object[key])
        return key == "error" && text.count > 80 ? String(text.prefix(79)) + "…" : text
      }
    }
    return TextTable.render([header] + rows)
  }

  /// Keys in the order the line writes them.
  static func orderedKeys(_ line: String) -> [String] {
    var keys: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var current = ""
    var expectKey = false
    for character in line {
      if inString {
        if escaped {
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          inString = false
        } else {
          current.append(character)
        }
        continue
      }
      switch character {
      case "{":
        depth += 1
        expectKey = depth == 1
      case "}": depth -= 1
      case "\"":
        inString = true
        current = ""
      case ":":
        if depth == 1 && expectKey { keys.append(current) }
        expectKey = false
      case ",": expectKey = depth == 1
      default: break
      }
    }
    return keys
  }

  static func describe(_ value: Any?) -> String {
    switch value {
    case let number as NSNumber: return number.stringValue
    case let text as String: return text
    case nil, is NSNull: return ""
    default: return "\(value!)"
    }
  }
}
