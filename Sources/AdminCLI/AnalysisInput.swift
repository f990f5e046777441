import ArgumentParser
import CommandLineSupport
import Foundation
import Shared
import SpecReading

/// Where `sweep predict`, `sweep analyze` and `--transfer-report` read a sweep: from the coordinator
/// (its stored spec and its results export), or from a results.jsonl and spec file on disk.
struct AnalysisInput: ParsableArguments {
  @Argument(help: "The sweep id (omit with --results and --spec).") var sweep: String?
  @Option(help: "Read results from this results.jsonl instead of the coordinator (needs --spec).") var results: String?
  @Option(help: "The sweep's spec file, with --results.") var spec: String?
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    if results != nil {
      guard spec != nil else { throw ValidationError("--results needs --spec: the spec names the parameters") }
      guard sweep == nil else { throw ValidationError("give a sweep id or --results, not both") }
    } else if sweep == nil {
      throw ValidationError("missing SWEEP: the sweep id (or --results FILE --spec FILE)")
    }
  }

  /// The spec and every exported record; `domain`, when given, must be one of the sweep's.
  func load(domain: String? = nil) async throws -> (SweepSpec, [AnalysisRecord]) {
    let specText: String
    let resultsText: String
    let specName: String
    let resultsName: String
    var applied: [AppliedExtension] = []
    if let results, let spec {
      specText = try Self.read(spec)
      resultsText = try Self.read(results)
      specName = spec
      resultsName = results
    } else {
      let id = sweep ?? ""
      let client = try admin.client()
      specText = String(decoding: try await client.send(.GET, "/v1/sweeps/\(id)/spec").body, as: UTF8.self)
      resultsText = String(
        decoding: try await client.send(.GET, "/v1/sweeps/\(id)/results?format=jsonl").body, as: UTF8.self)
      applied = try client.decode(
        SweepExtensionList.self, try await client.send(.GET, "/v1/sweeps/\(id)/extensions")
      ).extensions
      specName = "sweep \(id)"
      resultsName = "the results of sweep \(id)"
    }
    var decoded: SweepSpec
    do {
      decoded = try SpecDecoder.decode(specText, file: specName)
    } catch {
      throw CLIError(.badInput, error.lines)
    }
    // The sweep as it runs: what `sweep extend` added (domains, and the trials `predict --extension` holds out).
    for change in applied {
      do {
        decoded = try decoded.applying(change.sweepExtension)
      } catch {
        throw CLIError(.runtime, "\(specName): extension \(change.extensionId) does not apply to its spec: \(error)")
      }
    }
    var records: [AnalysisRecord] = []
    for (number, line) in resultsText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else { continue }
      let node: DocumentNode
      do {
        node = try JSONDocumentReader.parse(String(trimmed))
      } catch {
        throw CLIError(
          .badInput, "\(resultsName):\(number + 1): not a JSON object (\(error)); expected one result per line")
      }
      guard let record = AnalysisRecord(json: JSONValue(document: node), spec: decoded) else {
        throw CLIError(
          .badInput,
          "\(resultsName):\(number + 1): expected domain and every parameter of the spec (\(decoded.space.map(\.name).joined(separator: ", ")))"
        )
      }
      records.append(record)
    }
    // Domains `sweep extend` added are in the results, not in the submitted spec.
    for record in records where !decoded.domains.contains(record.domain) { decoded.domains.append(record.domain) }
    if let domain, !decoded.domains.contains(domain) {
      throw CLIError(
        .badInput, "--domain: '\(domain)' is not a domain of the sweep (\(decoded.domains.joined(separator: ", ")))")
    }
    return (decoded, records)
  }

  static func read(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CLIError(.badInput, "\(path): cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw CLIError(.badInput, "\(path): not UTF-8 text") }
    return text
  }
}
