import Coordinator
import Foundation
import Shared
import SpecReading
import Testing

extension StorageConformanceTests {
  static let transferText = """
    name: grow
    budget_usd: 10
    domains: [a, b]
    sampler: lhs
    trials_per_domain: 3
    transfer: {from: a, top_k: 1}
    space:
      x: {uniform: [0, 1]}
    command: [train, "{x}"]
    """

  /// Runs every trial `worker` is granted, until it gets none; returns how many.
  static func drain(_ f: Fixture, _ worker: String) async throws -> Int {
    var ran = 0
    while case .granted(let grant) = try await f.store.grantLease(workerID: worker, now: f.now, policy: f.policy) {
      for index in grant.trials.indices {
        _ = try await f.report(grant, index, worker: worker, metrics: ["accuracy": Double(ran % 7) / 10])
        ran += 1
      }
    }
    return ran
  }

  @Test(arguments: Kind.allCases)
  func anExtensionReopensTheSweepGrowsItsDomainsAndAnAddedDomainReceivesTheTransfer(kind: Kind) async throws {
    try await Self.on(kind) { f in
      let spec = try SpecDecoder.decode(Self.transferText, file: "grow.yaml")
      _ = try await f.store.createSweep(id: "sw", spec: spec, specText: Self.transferText, now: f.now)
      try await f.register("w")
      #expect(try await Self.drain(f, "w") == 6)
      #expect(try await f.store.sweepStatus(id: "sw").state == .completed)

      let request = ExtendSweepRequest(
        extensionId: "e1", trialsPerDomain: 2, domains: ["a"], addDomains: ["c"],
        budgetUsd: DollarAmount(MicroDollars(20_000_000)))
      let extended = try await f.store.extendSweep(id: "sw", request: request, now: f.now)
      // Two more in a; c's own two trials (3 less the one transferred) wait: the source grew, so
      // its best is known only once a's new trials are done.
      #expect(extended.addedTrials == 4 && extended.duplicatesRemoved == 0 && !extended.replayed)
      let status = try await f.store.sweepStatus(id: "sw")
      #expect(status.state == .running && status.domains.map(\.domain) == ["a", "b", "c"])
      #expect(status.budgetUsd == DollarAmount(MicroDollars(20_000_000)))
      #expect(status.counts.total == 10 && status.counts.pending == 2 && status.counts.waiting == 2)
      #expect(try await f.store.extendSweep(id: "sw", request: request, now: f.now).replayed)
      let conflict = await Self.storeError {
        try await f.store.extendSweep(
          id: "sw", request: ExtendSweepRequest(extensionId: "e1", trialsPerDomain: 1), now: f.now)
      }
      #expect(Self.code(conflict) == "extension_conflict")
      #expect(try await Self.drain(f, "w") == 5)
      let done = try await f.store.sweepStatus(id: "sw")
      #expect(done.state == .completed && done.counts.succeeded == 11)
    }
  }
}
