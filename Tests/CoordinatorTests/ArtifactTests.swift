import Coordinator
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Shared
import Testing

/// Output folders coming home: uploads checked by digest, size and archive names; the best
/// `top_k` per domain kept; downloads byte for byte. Through the real router.
@Suite struct ArtifactTests {
  /// A tar archive of `files` (names and contents), as the worker packs one.
  static func archive(_ files: [(String, String)]) throws -> [UInt8] {
    var bytes: [UInt8] = []
    for (name, text) in files {
      let data = Array(text.utf8)
      bytes += try TarFormat.encode(TarFormat.Header(name: name, size: Int64(data.count), kind: .file))
      bytes += data + [UInt8](repeating: 0, count: TarFormat.padding(after: Int64(data.count)))
    }
    return bytes + [UInt8](repeating: 0, count: 1024)
  }

  /// A header block for any name, with a correct checksum: what a hostile client could send.
  static func rawHeader(name: String, size: Int) throws -> [UInt8] {
    var block = try TarFormat.encode(TarFormat.Header(name: "x", size: Int64(size), kind: .file))
    for i in 0..<100 { block[i] = 0 }
    for (i, byte) in name.utf8.enumerated() { block[i] = byte }
    for i in 148..<156 { block[i] = UInt8(ascii: " ") }
    let digits = Array(String(block.reduce(0) { $0 + Int($1) }, radix: 8).utf8)
    let field = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, UInt8(ascii: " ")]
    for (i, byte) in field.enumerated() { block[148 + i] = byte }
    return block
  }

  static func sha256(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
  }

  static func upload(
    _ client: any TestClientProtocol, credential: String, sweep: String, trial: LeasedTrial, bytes: [UInt8],
    digest: String? = nil
  ) async throws -> APICaller.Reply {
    var headers = HTTPFields()
    headers[.authorization] = "Bearer \(credential)"
    headers[.contentType] = "application/x-tar"
    headers[HTTPField.Name("X-Artifact-SHA256")!] = digest ?? sha256(bytes)
    return try await client.execute(
      uri: "/v1/trials/\(trial.trialId)/attempts/\(trial.attempt)/artifact?sweep_id=\(sweep)", method: .put,
      headers: headers, body: ByteBuffer(bytes: bytes)
    ) { response in APICaller.Reply(status: response.status, body: Data(buffer: response.body)) }
  }

  /// Runs one trial per lease to success with `accuracy`, returning the leased trials in order.
  static func runTrials(_ api: APICaller, credential: String, accuracies: [Double]) async throws -> [(
    LeaseGrant, LeasedTrial
  )] {
    var done: [(LeaseGrant, LeasedTrial)] = []
    for accuracy in accuracies {
      let lease = try #require(try await api.lease(credential).lease)
      let trial = lease.trials[0]
      let reply = try await api.report(credential, lease: lease, trial: trial, metrics: ["accuracy": accuracy])
      #expect(reply.status == .ok, "\(reply.text)")
      done.append((lease, trial))
    }
    return done
  }

  @Test func theBestTopKOfADomainAreKeptAndDownloadByteForByte() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        TestSpecs.sweep(domains: "[a]", trials: 4) + "\nartifacts: {keep: best, top_k: 2}\n")
      let worker = try await api.register(name: "laptop")
      let trials = try await Self.runTrials(api, credential: worker.credential, accuracies: [0.5, 0.9, 0.7, 0.6])
      var kept: [Bool] = []
      var archives: [String: [UInt8]] = [:]
      for (index, (_, trial)) in trials.enumerated() {
        let bytes = try Self.archive([
          ("adapter/adapter_config.json", "{\"r\": \(index)}"), ("notes.txt", "trial \(index)"),
        ])
        archives[trial.trialId] = bytes
        let reply = try await Self.upload(
          client, credential: worker.credential, sweep: sweep.id, trial: trial, bytes: bytes)
        #expect(reply.status == .ok, "\(reply.text)")
        kept.append(try reply.decode(ArtifactUploadAck.self).kept)
      }
      // 0.5 kept while it was among the best two, then pushed out by 0.9 and 0.7; 0.6 never got in
      #expect(kept == [true, true, true, false])
      let listed = try await api.call(.get, "/v1/sweeps/\(sweep.id)/artifacts", token: TestCoordinator.adminToken)
      let list = try listed.decode(ArtifactList.self).artifacts
      #expect(list.map(\.trialId) == [trials[1].1.trialId, trials[2].1.trialId], "\(listed.text)")
      #expect(list.map(\.objective) == [0.9, 0.7])
      let best = try await api.call(.get, "/v1/sweeps/\(sweep.id)/artifacts?best=1", token: TestCoordinator.adminToken)
      #expect(try best.decode(ArtifactList.self).artifacts.map(\.trialId) == [trials[1].1.trialId])
      let download = try await api.call(
        .get, "/v1/sweeps/\(sweep.id)/artifacts/\(trials[1].1.trialId)", token: TestCoordinator.adminToken)
      #expect(download.status == .ok)
      #expect([UInt8](download.body) == archives[trials[1].1.trialId])
      // the pruned ones are gone from disk too
      let stored = try FileManager.default.subpathsOfDirectory(atPath: coordinator.directory.path)
        .filter { $0.hasSuffix(".tar") && !$0.contains("/tmp/") }
      #expect(stored.count == 2, "\(stored)")
      let gone = try await api.call(
        .get, "/v1/sweeps/\(sweep.id)/artifacts/\(trials[0].1.trialId)", token: TestCoordinator.adminToken)
      #expect(gone.status == .notFound && gone.errorCode == "artifact_not_found")
    }
  }

  @Test func aDamagedOversizeOrEscapingArchiveIsRefusedAndNothingIsStored() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 2) + "\nartifacts: {max_mb: 1}\n")
      let worker = try await api.register(name: "gpu-1")
      let trials = try await Self.runTrials(api, credential: worker.credential, accuracies: [0.5, 0.6])
      let trial = trials[0].1
      let good = try Self.archive([("adapter.bin", "weights")])
      // damaged on the way: the digest is of other bytes
      let damaged = try await Self.upload(
        client, credential: worker.credential, sweep: sweep.id, trial: trial, bytes: good,
        digest: Self.sha256(Array("other".utf8)))
      #expect(damaged.status == .unprocessableContent && damaged.errorCode == "digest_mismatch", "\(damaged.text)")
      // over artifacts.max_mb, with the trial, the size and the limit in the message
      let big = try Self.archive([("big.bin", String(repeating: "x", count: (1 << 20) + 10))])
      let tooBig = try await Self.upload(
        client, credential: worker.credential, sweep: sweep.id, trial: trial, bytes: big)
      #expect(tooBig.status == .contentTooLarge && tooBig.errorCode == "artifact_too_large", "\(tooBig.text)")
      #expect(tooBig.text.contains(trial.trialId) && tooBig.text.contains("max_mb of 1 MB"))
      // an entry that climbs out of the folder it is unpacked into
      let escaping = try Self.rawHeader(name: "../../etc/cron.d/x", size: 2)
      let evil = escaping + Array("hi".utf8) + [UInt8](repeating: 0, count: 510 + 1024)
      let refused = try await Self.upload(
        client, credential: worker.credential, sweep: sweep.id, trial: trial, bytes: evil)
      #expect(refused.status == .unprocessableContent && refused.errorCode == "unsafe_archive", "\(refused.text)")
      #expect(refused.text.contains("climbs out"))
      // another worker's attempt is not this worker's to upload
      let other = try await api.register(name: "intruder")
      let stolen = try await Self.upload(
        client, credential: other.credential, sweep: sweep.id, trial: trial, bytes: good)
      #expect(stolen.status == .forbidden, "\(stolen.text)")
      let list = try await api.call(.get, "/v1/sweeps/\(sweep.id)/artifacts", token: TestCoordinator.adminToken)
      #expect(try list.decode(ArtifactList.self).artifacts.isEmpty)
    }
  }
}

extension ArtifactTests {
  @Test func anUploadBeforeItsResultIsToldToWaitAndAFailedAttemptsOutputIsNotKept() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, maxAttempts: 1))
      let worker = try await api.register(name: "laptop")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let bytes = try Self.archive([("adapter.bin", "weights")])
      let early = try await Self.upload(
        client, credential: worker.credential, sweep: sweep.id, trial: lease.trials[0], bytes: bytes)
      #expect(early.status == .conflict && early.errorCode == "result_pending", "\(early.text)")
      _ = try await api.report(worker.credential, lease: lease, trial: lease.trials[0], status: .failed, metrics: [:])
      let late = try await Self.upload(
        client, credential: worker.credential, sweep: sweep.id, trial: lease.trials[0], bytes: bytes)
      #expect(late.status == .conflict && late.errorCode == "not_the_result", "\(late.text)")
    }
  }
}

@Suite struct TarFormatTests {
  @Test func headersRoundTripIncludingLongNames() throws {
    let long = String(repeating: "folder/", count: 20) + "adapter_model.safetensors"
    for header in [
      TarFormat.Header(name: "adapter/adapter_config.json", size: 1234, kind: .file),
      TarFormat.Header(name: "checkpoints", size: 0, kind: .directory, mode: 0o755),
      TarFormat.Header(name: long, size: 99, kind: .file),
    ] {
      let block = try TarFormat.encode(header)
      #expect(block.count == 512)
      #expect(try TarFormat.decode(block[...]) == header)
    }
    #expect(try TarFormat.decode([UInt8](repeating: 0, count: 512)[...]) == nil)
  }

  @Test func namesThatLeaveTheFolderAreRefused() {
    for name in ["/etc/passwd", "../x", "a/../../b", "", "a\\b"] {
      #expect(TarFormat.problem(withName: name) != nil, "\(name)")
      #expect(throws: TarFormat.FormatError.self) {
        try TarFormat.encode(TarFormat.Header(name: name, size: 0, kind: .file))
      }
    }
    #expect(TarFormat.problem(withName: "adapter/./weights..bin") == nil)
  }
}
