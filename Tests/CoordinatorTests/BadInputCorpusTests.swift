import Coordinator
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Shared
import TestSupport
import Testing

/// Every file of `Tests/Fixtures/bad/specs` gets exit 2 and its documented message and position
/// from `sweep validate`; malformed API requests leave the database exactly as it was.
@Suite struct BadInputCorpusTests {
  struct Expectation: CustomStringConvertible, Sendable {
    var file: String
    var fragment: String
    var position: String?
    var description: String { file }
  }

  static var corpus: URL {
    CommandRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/bad/specs")
  }

  static var expectations: [Expectation] {
    let text = (try? String(contentsOf: corpus.appendingPathComponent("expectations.tsv"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      return Expectation(file: fields[0], fragment: fields[1], position: fields[2] == "-" ? nil : fields[2])
    }
  }

  @Test func everyFixtureIsListed() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter {
      $0 != "expectations.tsv"
    }
    #expect(Set(files) == Set(Self.expectations.map(\.file)))
    #expect(files.count >= 15)
  }

  @Test(arguments: expectations)
  func aBadSpecExits2WithItsMessageAndPosition(_ expectation: Expectation) throws {
    let path = Self.corpus.appendingPathComponent(expectation.file).path
    let result = try CommandRunner.run("sweep", ["validate", path])
    #expect(result.status == 2, "\(expectation.file): \(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains(expectation.fragment), "\(expectation.file): \(result.stderr)")
    if let position = expectation.position {
      #expect(result.stderrLines.first?.hasPrefix("\(path):\(position): ") == true, "\(result.stderrLines.first ?? "")")
    }
    #expect(result.stderr.utf8.count < 20_000)  // long inputs are cut in messages
  }

  @Test func rejectedRequestsLeaveTheDatabaseUnchanged() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 2))
      let other = try await api.submit(TestSpecs.sweep(name: "other", domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let before = try await DatabaseFingerprint.of(coordinator.databasePath)
      let admin = TestCoordinator.adminToken
      let attempts: [(HTTPRequest.Method, String, String?, String?, String?)] = [
        (.post, "/v1/sweeps", admin, String(repeating: "y", count: 2 << 20), "application/yaml"),
        (.post, "/v1/sweeps", admin, "name: [", "application/yaml"),
        (.post, "/v1/sweeps", admin, "\u{0}\u{1}garbage", "application/octet-stream"),
        (.post, "/v1/workers", TestCoordinator.joinToken, "{\"name\": 5}", "application/json"),
        (
          .post, "/v1/workers", TestCoordinator.joinToken,
          "{\"name\": \"w\", \"provider\": \"local\", \"hourly_cost_usd\": -1, \"slots\": 1}", "application/json"
        ),
        (.post, "/v1/leases", worker.credential, "{\"wait\": 1e9}", "application/json"),
        (
          .post, "/v1/leases/\(lease.leaseId)/heartbeat", worker.credential, "{\"fencing_token\": 99}",
          "application/json"
        ),
        (
          .post, "/v1/leases/\(lease.leaseId)/heartbeat", worker.credential,
          "{\"fencing_token\": 1, \"progress\": [{\"trial_id\": \"x\", \"attempt\": 1, \"epoch\": 1e999}]}",
          "application/json"
        ),
        (.post, "/v1/leases/\(lease.leaseId)/release", "forged", "{\"fencing_token\": 1}", "application/json"),
        (
          .post, "/v1/trials/\(lease.trials[0].trialId)/results", worker.credential,
          "{\"sweep_id\": \"\(other.id)\", \"lease_id\": \"\(lease.leaseId)\", \"fencing_token\": 1, \"attempt\": 1, \"status\": \"succeeded\"}",
          "application/json"
        ),
        (
          .post, "/v1/trials/\(lease.trials[0].trialId)/results", worker.credential,
          "{\"sweep_id\": \"\(sweep.id)\", \"lease_id\": \"\(lease.leaseId)\", \"fencing_token\": 1, \"attempt\": 1, \"status\": \"won\"}",
          "application/json"
        ),
        (
          .post, "/v1/trials/\(lease.trials[0].trialId)/results", worker.credential,
          "{\"sweep_id\": \"\(sweep.id)\", \"lease_id\": \"\(lease.leaseId)\", \"fencing_token\": 1, \"attempt\": 1, \"status\": \"succeeded\", \"duration_s\": -1}",
          "application/json"
        ),
        (.post, "/v1/sweeps/\(sweep.id)/cancel", worker.credential, nil, nil),
        (.delete, "/v1/workers/\(worker.workerId)", "forged", nil, nil),
      ]
      for (method, path, token, body, contentType) in attempts {
        let reply = try await api.call(method, path, token: token, body: body, contentType: contentType)
        #expect((400..<500).contains(Int(reply.status.code)), "\(method) \(path): \(reply.status) \(reply.text)")
        #expect(reply.errorCode != nil, "\(method) \(path): not a JSON error: \(reply.text)")
      }
      let after = try await DatabaseFingerprint.of(coordinator.databasePath)
      #expect(before == after)
    }
  }
}

/// Every row of every table, in a stable order: equal fingerprints mean equal contents.
enum DatabaseFingerprint {
  static func of(_ path: String) async throws -> [String] {
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    defer { try? queue.close() }
    return try await queue.read { db in
      let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      return try tables.flatMap { table in
        try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid").map { "\(table): \($0)" }
      }
    }
  }
}
