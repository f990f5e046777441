import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import SpecReading
import Testing

/// `POST /v1/sweeps/{id}/extend` through the real router and a real SQLite file.
@Suite struct ExtendSweepTests {
  static let spec = """
    name: grow
    domains: [a, b]
    seed: 7
    sampler: lhs
    trials_per_domain: 4
    shard_size: 2
    space:
      x: {uniform: [0, 1]}
      lr: {log_uniform: [1.0e-5, 1.0e-2]}
      alpha: [8, 16]
    command: [train, "{x}", "{lr}", "{alpha}"]
    """

  /// Leases and reports until no lease is granted; returns how many trials were run.
  @discardableResult
  static func runAll(_ api: APICaller, _ credential: String, status: AttemptStatus = .succeeded) async throws -> Int {
    var ran = 0
    while let lease = try await api.lease(credential).lease {
      for trial in lease.trials {
        let reply = try await api.report(credential, lease: lease, trial: trial, status: status)
        #expect(reply.status == .ok, "\(reply.text)")
        ran += 1
      }
    }
    return ran
  }

  static func rows(_ api: APICaller, _ sweepID: String) async throws -> [[String: Any]] {
    let reply = try await api.call(.get, "/v1/sweeps/\(sweepID)/results", token: TestCoordinator.adminToken)
    return try reply.text.split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  func extend(_ api: APICaller, _ sweepID: String, _ request: ExtendSweepRequest) async throws -> APICaller.Reply {
    try await api.call(
      .post, "/v1/sweeps/\(sweepID)/extend", token: TestCoordinator.adminToken, body: try api.json(request))
  }

  @Test func extendingACompletedSweepReopensItWithTrialsThatContinueTheDesign() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(Self.spec)
      let worker = try await api.register(name: "w")
      #expect(try await Self.runAll(api, worker.credential) == 8)
      #expect(try await api.status(sweep.id).state == .completed)

      let request = ExtendSweepRequest(extensionId: "more-a", trialsPerDomain: 4, domains: ["a"])
      let reply = try await extend(api, sweep.id, request)
      #expect(reply.status == .ok, "\(reply.text)")
      let extended = try reply.decode(SweepExtended.self)
      #expect(extended.addedTrials + extended.duplicatesRemoved == 4 && !extended.replayed)
      let reopened = try await api.status(sweep.id)
      #expect(reopened.state == .running)
      #expect(reopened.counts.total == 8 + extended.addedTrials)

      // A retry of the same extension adds nothing; the same id with other content is refused.
      let replay = try await extend(api, sweep.id, request).decode(SweepExtended.self)
      #expect(replay.replayed && replay.addedTrials == extended.addedTrials)
      let clash = try await extend(api, sweep.id, ExtendSweepRequest(extensionId: "more-a", trialsPerDomain: 5))
      #expect(clash.status == .conflict && clash.text.contains("extension_conflict"), "\(clash.text)")
      #expect(try await api.status(sweep.id).counts.total == 8 + extended.addedTrials)

      #expect(try await Self.runAll(api, worker.credential) == extended.addedTrials)
      #expect(try await api.status(sweep.id).state == .completed)

      // The new trials are exactly the design's continuation, and fill strata the old ones left empty.
      let decoded = try SpecDecoder.decode(Self.spec, file: "grow.yaml")
      let grown = try decoded.applying(SweepExtension(id: "more-a", trials: ["a": 4]))
      let expected = DomainSampler.extensionCandidates(grown, domain: "a", ordinal: 0)
      let rows = try await Self.rows(api, sweep.id).filter { $0["domain"] as? String == "a" }
      #expect(rows.count == 8)
      let ids = Set(rows.compactMap { $0["trial_id"] as? String })
      let designed = Array(DomainSampler.candidates(decoded, domain: "a")) + expected
      #expect(ids == Set(designed.map { grown.makeTrial(domain: "a", index: 0, values: $0, stage: 0).id }))
      let old = Array(DomainSampler.candidates(decoded, domain: "a")).compactMap { $0[0].numeric }
      let added = expected.compactMap { $0[0].numeric }
      let oldStrata = Set(old.map { Int($0 * 8) })
      #expect(added.allSatisfy { !oldStrata.contains(Int($0 * 8)) })
    }
  }

  @Test func anAddedDomainIsSampledAsIfItHadBeenInTheSpecAndTheBudgetAndAttemptsRise() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(Self.spec + "\npause_on_failures: off")
      let reply = try await extend(
        api, sweep.id,
        ExtendSweepRequest(
          extensionId: "c", addDomains: ["c"], newDomainTrials: 3, budgetUsd: DollarAmount(MicroDollars(2_000_000)),
          maxAttempts: 5))
      #expect(reply.status == .ok, "\(reply.text)")
      let status = try await api.status(sweep.id)
      #expect(status.domains.map(\.domain) == ["a", "b", "c"])
      #expect(status.budgetUsd.micros == MicroDollars(2_000_000))
      #expect(status.counts.total == 11)
      // Every attempt fails: each trial now has five of them before it is failed.
      let worker = try await api.register(name: "w")
      #expect(try await Self.runAll(api, worker.credential, status: .failed) == 11 * 5)
      #expect(try await api.status(sweep.id).counts.failed == 11)
      var reference = try SpecDecoder.decode(Self.spec, file: "grow.yaml")
      reference.domains.append("c")
      reference.trialsPerDomain = 3
      let expected = Set(DomainSampler.sample(reference, domain: "c").trials.map(\.id))
      let rowsOfC = try await Self.rows(api, sweep.id).filter { $0["domain"] as? String == "c" }
      #expect(Set(rowsOfC.compactMap { $0["trial_id"] as? String }).isSubset(of: expected))
    }
  }

  @Test(arguments: [
    (#"{"extension_id": "e", "trials_per_domain": 2, "domains": ["legal"]}"#, 422, "'legal' is not a domain"),
    (#"{"extension_id": "e", "budget_usd": "0.50"}"#, 422, "only raises it"),
    (#"{"extension_id": "e", "max_attempts": 1}"#, 422, "max_attempts"),
    (#"{"extension_id": "e"}"#, 422, "changes nothing"),
    (#"{"extension_id": "no spaces", "trials_per_domain": 1}"#, 422, "extension_id"),
    (#"{"extension_id": "e", "add_domains": ["a"]}"#, 422, "already a domain"),
    (#"{"trials_per_domain": 1}"#, 400, "extension_id"),
  ])
  func anExtensionTheSweepCannotTakeIsRefusedNamingTheField(body: String, status: Int, fragment: String)
    async throws
  {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        Self.spec.replacingOccurrences(of: "name: grow", with: "name: grow\nbudget_usd: 1"))
      let reply = try await api.call(
        .post, "/v1/sweeps/\(sweep.id)/extend", token: TestCoordinator.adminToken, body: body)
      #expect(Int(reply.status.code) == status, "\(reply.text)")
      #expect(reply.text.contains(fragment), "\(reply.text)")
      #expect(try await api.status(sweep.id).counts.total == 8)
    }
  }

  @Test func aGridCancelledOrUnknownSweepCannotGrow() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let grid = try await api.submit(
        "name: g\ndomains: [a]\nsampler: grid\nspace:\n  r: [1, 2]\ncommand: [t, \"{r}\"]")
      let more = ExtendSweepRequest(extensionId: "e", trialsPerDomain: 2)
      let refused = try await extend(api, grid.id, more)
      #expect(refused.status == .unprocessableContent && refused.text.contains("grid"), "\(refused.text)")
      // A grid may still take a domain: the whole grid runs there.
      let added = try await extend(api, grid.id, ExtendSweepRequest(extensionId: "d", addDomains: ["b"]))
      #expect(try added.decode(SweepExtended.self).addedTrials == 2, "\(added.text)")

      let lhs = try await api.submit(Self.spec)
      _ = try await api.call(.post, "/v1/sweeps/\(lhs.id)/cancel", token: TestCoordinator.adminToken)
      let cancelled = try await extend(api, lhs.id, more)
      #expect(cancelled.status == .conflict && cancelled.text.contains("sweep_cancelled"), "\(cancelled.text)")
      #expect(try await extend(api, "sw-nothere", more).status == .notFound)
    }
  }
}
