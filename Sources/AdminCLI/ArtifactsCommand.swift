import ArgumentParser
import CommandLineSupport
import Crypto
import Foundation
import Shared

/// `sweep artifacts SWEEP [--domain D] [--best K | --trial ID] -o DIR`: downloads the output
/// folders the coordinator kept, each into `DIR/<domain>/<trial_id>/`, checking its digest and
/// refusing archive entries that would land outside that folder.
struct ArtifactsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "artifacts",
    abstract: "Download the output folders (e.g. LoRA adapters) the coordinator kept, best first.",
    discussion: """
      Workers upload each successful trial's output folder (SWEEP_OUTPUT_DIR); the spec's artifacts: \
      keeps the best top_k per domain (default 3). Without --best or --trial, every kept folder is \
      downloaded. --list prints what is there instead.
      """)

  @Argument(help: "The sweep id.") var sweep: String
  @Option(help: "Only this domain.") var domain: String?
  @Option(help: "The best K of each domain.") var best: Int?
  @Option(help: "Only this trial.") var trial: String?
  @Option(name: .shortAndLong, help: "The folder to download into (made if missing).") var output: String = "artifacts"
  @Flag(help: "List what is stored instead of downloading.") var list = false
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    if let best, best < 1 { throw ValidationError("--best: expected 1 or more, got \(best)") }
    if best != nil && trial != nil { throw ValidationError("--best and --trial: give one or the other") }
  }

  func run() async throws {
    let client = try admin.client()
    var path = "/v1/sweeps/\(sweep)/artifacts"
    var query: [String] = []
    if let domain {
      query.append("domain=" + (domain.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? domain))
    }
    if let best { query.append("best=\(best)") }
    if !query.isEmpty { path += "?" + query.joined(separator: "&") }
    var artifacts = try client.decode(ArtifactList.self, try await client.send(.GET, path)).artifacts
    if let trial { artifacts = artifacts.filter { $0.trialId == trial } }
    var out = StandardOutput()
    if artifacts.isEmpty {
      throw CLIError(
        .badInput,
        trial.map { "trial '\($0)' of sweep \(sweep) has no stored output" }
          ?? "sweep \(sweep) has no stored outputs\(domain.map { " in domain \($0)" } ?? "") yet")
    }
    if list {
      for info in artifacts {
        out.line(
          "\(info.domain)  \(info.trialId)  \(info.objective.map { String(format: "%.4f", $0) } ?? "-")  \(info.bytes) bytes  sha256 \(info.sha256)"
        )
      }
      out.flush()
      return
    }
    for info in artifacts {
      let folder = "\(output)/\(info.domain)/\(info.trialId)"
      let files = try await download(info, into: folder, client: client)
      out.line(
        "\(folder)  (\(files) file\(files == 1 ? "" : "s"), objective \(info.objective.map { String(format: "%.4f", $0) } ?? "-"))"
      )
      out.flush()
    }
  }

  /// Fetches one archive to a temporary file, checks its digest, extracts it.
  func download(_ info: ArtifactInfo, into folder: String, client: AdminClient) async throws -> Int {
    let manager = FileManager.default
    do {
      try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw CLIError(.badInput, "-o: cannot create \(folder) (\(error.localizedDescription))")
    }
    let temporary = folder + "/.download-\(info.sha256.prefix(12)).tar"
    manager.createFile(atPath: temporary, contents: nil)
    defer { try? manager.removeItem(atPath: temporary) }
    guard let handle = FileHandle(forWritingAtPath: temporary) else {
      throw CLIError(.runtime, "cannot write \(temporary)")
    }
    _ = try await client.download("/v1/sweeps/\(sweep)/artifacts/\(info.trialId)", to: handle)
    try handle.close()
    let digest = try Self.sha256(ofFile: temporary)
    guard digest == info.sha256 else {
      throw CLIError(
        .runtime,
        "the archive of \(info.trialId) arrived damaged (sha256 \(digest), expected \(info.sha256)); run the command again"
      )
    }
    return try TarExtraction.extract(temporary, into: folder)
  }

  static func sha256(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError(.runtime, "cannot read \(path)") }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }
}

/// Unpacks a ``TarFormat`` archive into a folder, refusing names that leave it.
enum TarExtraction {
  /// Returns the number of files written.
  static func extract(_ archive: String, into folder: String) throws -> Int {
    guard let input = FileHandle(forReadingAtPath: archive) else { throw CLIError(.runtime, "cannot read \(archive)") }
    defer { try? input.close() }
    let manager = FileManager.default
    var files = 0
    while true {
      let block = [UInt8](try input.read(upToCount: TarFormat.blockSize) ?? Data())
      guard block.count == TarFormat.blockSize else { break }
      let header: TarFormat.Header?
      do {
        header = try TarFormat.decode(block[...])
      } catch {
        throw CLIError(.runtime, "\(archive): \(error)")
      }
      guard let header else { break }
      let target = folder + "/" + header.name
      switch header.kind {
      case .directory:
        try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
      case .file:
        try manager.createDirectory(
          atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        manager.createFile(atPath: target, contents: nil)
        guard let output = FileHandle(forWritingAtPath: target) else {
          throw CLIError(.runtime, "cannot write \(target)")
        }
        var left = header.size
        while left > 0 {
          let chunk = try input.read(upToCount: Int(min(left, 1 << 16))) ?? Data()
          if chunk.isEmpty { throw CLIError(.runtime, "\(archive): '\(header.name)' is cut short") }
          output.write(chunk)
          left -= Int64(chunk.count)
        }
        try output.close()
        _ = try input.read(upToCount: TarFormat.padding(after: header.size))
        files += 1
      }
    }
    return files
  }
}
