import Foundation
import Platform
import Shared
import Testing

@testable import Worker

/// The worker's side of output folders: packed after a successful attempt, uploaded apart from
/// results, retried, and refused locally when over the sweep's limit. In-process, manual clock.
// 5 minutes, not 1: the synchronous real-process suites (the chaos profile) can hold the
// cooperative threads for about two minutes on 2 cores before this suite gets one.
@Suite(.timeLimit(.minutes(5)))
struct ArtifactUploadTests {
  static func grant(_ id: String, policy: ArtifactPolicy? = .default) -> LeaseResponse {
    var response = TrialSetupTests.grant(id, trials: 1)
    response.lease?.artifacts = policy
    return response
  }

  /// Writes files into the output folder the agent will give trial `id`-t1 (it is made ahead).
  static func prepareOutput(_ harness: AgentHarness, lease: String, files: [String: String]) throws {
    let folder = harness.root + "/spool/artifacts/sw-1/\(lease)-t1-1"
    for (name, text) in files {
      let path = folder + "/" + name
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
  }

  /// The file names and contents of a packed archive.
  static func unpack(_ bytes: [UInt8]) throws -> [String: String] {
    var files: [String: String] = [:]
    var offset = 0
    while offset + 512 <= bytes.count, let header = try TarFormat.decode(bytes[offset..<(offset + 512)]) {
      offset += 512
      if header.kind == .file {
        files[header.name] = String(decoding: bytes[offset..<(offset + Int(header.size))], as: UTF8.self)
      }
      offset += Int(header.size) + TarFormat.padding(after: header.size)
    }
    return files
  }

  @Test func aSuccessfulAttemptsOutputIsUploadedAfterItsResultAndRetriedUntilItGoes() async throws {
    let harness = AgentHarness(leases: [Self.grant("l1")])
    defer { harness.cleanUp() }
    try Self.prepareOutput(
      harness, lease: "l1", files: ["adapter/adapter_config.json": #"{"r": 8}"#, "adapter/weights.bin": "0123456789"])
    harness.api.failUploads([.retryable("connection reset (test)")])
    let agent = harness.agent { $0.exitWhenDone = true }
    let running = Task { try await agent.run() }
    // the first upload fails; the uploader backs off on the clock, then the second goes through
    await harness.api.until { $0.filter { $0 == .upload(trial: "l1-t1") }.count == 1 }
    await harness.clock.sleepers(atLeast: 1)
    harness.clock.advance(by: .seconds(2))
    try await running.value
    let calls = harness.callsWithoutHeartbeats
    #expect(calls.firstIndex(of: "report(l1-t1: succeeded)")! < calls.firstIndex(of: "upload(l1-t1)")!, "\(calls)")
    let upload = try #require(harness.api.uploads.first)
    #expect(upload.entry.bytes == Int64(upload.bytes.count) && upload.bytes.count % 512 == 0)
    #expect(
      try Self.unpack(upload.bytes) == [
        "adapter/adapter_config.json": #"{"r": 8}"#, "adapter/weights.bin": "0123456789",
      ])
    // the queue is empty; the output folder stays on the worker
    #expect(FileSystem.list(harness.root + "/spool/uploads").isEmpty)
    #expect(FileSystem.isDirectory(harness.root + "/spool/artifacts/sw-1/l1-t1-1/adapter"))
  }

  @Test func anOutputOverTheLimitIsNotUploadedAndTheLogNamesTrialSizeAndLimit() async throws {
    let harness = AgentHarness(leases: [
      Self.grant("l1", policy: ArtifactPolicy(keep: .best, topK: 3, maxBytes: 1 << 20)),
      Self.grant("l2", policy: ArtifactPolicy(keep: .none, topK: 3, maxBytes: 1 << 20)),
    ])
    defer { harness.cleanUp() }
    try Self.prepareOutput(harness, lease: "l1", files: ["big.bin": String(repeating: "x", count: 3 << 20)])
    try Self.prepareOutput(harness, lease: "l2", files: ["small.bin": "x"])
    try await harness.agent { $0.exitWhenDone = true }.run()
    #expect(harness.api.uploads.isEmpty)
    #expect(!harness.callsWithoutHeartbeats.contains { $0.hasPrefix("upload") })
    #expect(
      harness.log.contains(
        "the output of trial l1-t1 is 3 MB (3145728 bytes), over the sweep's artifacts.max_mb of 1 MB: not uploaded"),
      "\(harness.log)")
  }
}
