import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import Testing

/// Strategies through the real router and a real SQLite file, on virtual time.
@Suite struct StrategyFlowTests {
  @Test func ashaPrunesATrialBehindItsPeersThroughTheHeartbeatAndKeepsItsResult() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        """
        name: asha
        domains: [a]
        sampler: lhs
        trials_per_domain: 4
        early_stopping: {method: asha, min_epochs: 1, reduction_factor: 3}
        space:
          rank: [1, 2, 4, 8]
          epochs: 9
        command: [train, "{rank}", "{epochs}"]
        """)
      var leases: [(credential: String, lease: LeaseGrant)] = []
      for name in ["w1", "w2", "w3"] {
        let worker = try await api.register(name: name)
        leases.append((worker.credential, try #require(try await api.lease(worker.credential).lease)))
      }
      func beat(_ index: Int, epoch: Double, accuracy: Double) async throws -> [LeaseAction] {
        let (credential, lease) = leases[index]
        let reply = try await api.heartbeat(
          credential, lease: lease,
          progress: [
            TrialProgress(trialId: lease.trials[0].trialId, attempt: 1, epoch: epoch, metrics: ["accuracy": accuracy])
          ])
        #expect(reply.status == .ok, "\(reply.text)")
        return try reply.decode(HeartbeatResponse.self).actions
      }
      // Fewer than three values at the rung: nobody is judged.
      #expect(try await beat(0, epoch: 1, accuracy: 0.9).map(\.kind) == [.continue])
      #expect(try await beat(1, epoch: 1, accuracy: 0.8).map(\.kind) == [.continue])
      // The third arrival ranks last of three, and only the best third goes on.
      let pruned = try await beat(2, epoch: 1.2, accuracy: 0.5)
      #expect(pruned.map(\.kind) == [.cancelTrial])
      #expect(pruned.first?.reason?.hasPrefix("pruned by ASHA at epoch 1") == true, "\(pruned)")
      // It is told again until it stops; a trial already judged at this rung is not judged again.
      #expect(try await beat(2, epoch: 1.5, accuracy: 0.5).map(\.kind) == [.cancelTrial])
      #expect(try await beat(1, epoch: 2, accuracy: 0.8).map(\.kind) == [.continue])

      let (credential, lease) = leases[2]
      let report = ResultReport(
        sweepId: sweep.id, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: 1, status: .cancelled,
        metrics: ["accuracy": 0.52], exitCode: 143, durationS: 0.25)
      let ack = try await api.call(
        .post, "/v1/trials/\(lease.trials[0].trialId)/results", token: credential, body: try api.json(report))
      #expect(try ack.decode(ResultAck.self).trialState == "pruned", "\(ack.text)")
      coordinator.clock.advance(by: .seconds(1))
      let done = try await api.report(leases[0].credential, lease: leases[0].lease, trial: leases[0].lease.trials[0])
      #expect(done.status == .ok)

      let status = try await api.status(sweep.id)
      #expect(status.counts.pruned == 1)
      // One completed trial took 1 s; the pruned one stopped after 0.25 s.
      #expect(status.domains[0].pruning == PruningSavings(pruned: 1, savedSeconds: 0.75, savedUsd: DollarAmount(.zero)))
      let results = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken)
      let prunedLine = try #require(results.text.split(separator: "\n").first { $0.contains("\"status\":\"pruned\"") })
      #expect(prunedLine.contains("\"accuracy\":0.52"), "\(prunedLine)")
    }
  }

  @Test func theAdaptiveSamplerProposesTheNextTrialsAsResultsArrive() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        """
        name: adaptive
        domains: [a]
        sampler: adaptive
        trials_per_domain: 5
        adaptive: {initial: lhs, initial_trials: 3, parallel: 1}
        space:
          rank: [1, 2, 4, 8, 16, 32]
          alpha: {log_uniform: [1, 64]}
        command: [train, "{rank}", "{alpha}"]
        """)
      #expect(sweep.totalTrials == 3)
      let worker = try await api.register(name: "w")
      var ran: [LeasedTrial] = []
      while let lease = try await api.lease(worker.credential).lease {
        let trial = lease.trials[0]
        ran.append(trial)
        let rank = trial.params["rank"]?.numeric ?? 0
        let reply = try await api.report(
          worker.credential, lease: lease, trial: trial, metrics: ["accuracy": rank / 32])
        #expect(reply.status == .ok, "\(reply.text)")
      }
      #expect(ran.count == 5)
      #expect(Set(ran.map(\.trialId)).count == 5)
      let status = try await api.status(sweep.id)
      #expect(status.state == .completed && status.counts.succeeded == 5)
      let results = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken)
      #expect(results.text.components(separatedBy: "\"origin\":\"proposed\"").count - 1 == 2, "\(results.text)")
    }
  }

  @Test func aWarmStartFromAnUnknownSweepIsRefusedWithItsKeyPath() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let earlier = try await api.submit(TestSpecs.sweep(trials: 2))
      func spec(_ ids: String) -> String {
        """
        name: warm
        domains: [a]
        sampler: adaptive
        trials_per_domain: 4
        adaptive: {warm_start: [\(ids)]}
        space:
          rank: [1, 2, 4, 8]
        command: [train, "{rank}"]
        """
      }
      let refused = try await api.call(
        .post, "/v1/sweeps", token: TestCoordinator.adminToken, body: spec("\(earlier.id), sw-missing"),
        contentType: "application/yaml")
      #expect(refused.status == .unprocessableContent)
      #expect(refused.text.contains("adaptive.warm_start[1]: no sweep 'sw-missing'"), "\(refused.text)")
      let accepted = try await api.submit(spec(earlier.id))
      #expect(accepted.totalTrials == 4)
    }
  }

  @Test func theSpecOfASweepCanBeReadBack() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let text = TestSpecs.sweep(trials: 2)
      let sweep = try await api.submit(text)
      let reply = try await api.call(.get, "/v1/sweeps/\(sweep.id)/spec", token: TestCoordinator.adminToken)
      #expect(reply.status == .ok && reply.text == text)
      let missing = try await api.call(.get, "/v1/sweeps/sw-nope/spec", token: TestCoordinator.adminToken)
      #expect(missing.status == .notFound)
    }
  }
}

extension StrategyFlowTests {
  @Test func aTargetWhereTheTransferDidNotHoldRunsItsRefinementTrials() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        """
        name: refine
        domains: [a, b]
        sampler: lhs
        trials_per_domain: 4
        transfer: {from: a, top_k: 1, refine_if_worse_by: 0.05, refine_trials: 3}
        space:
          x: {uniform: [0, 1]}
        command: [train, "{x}"]
        """)
      let worker = try await api.register(name: "w")
      // a's trials score 0.5; in b its best transferred scores 0.1 and b's own 0.9: the transfer failed.
      var transferredX: Set<String> = []
      while let lease = try await api.lease(worker.credential).lease {
        for trial in lease.trials {
          let x = trial.params["x"]?.canonical ?? ""
          let accuracy: Double
          if trial.domain == "a" {
            accuracy = 0.5
            transferredX.insert(x)
          } else {
            accuracy = transferredX.contains(x) ? 0.1 : 0.9
          }
          let reply = try await api.report(
            worker.credential, lease: lease, trial: trial, metrics: ["accuracy": accuracy])
          #expect(reply.status == .ok, "\(reply.text)")
        }
      }
      let status = try await api.status(sweep.id)
      #expect(status.state == .completed)
      // a: 4; b: 1 transferred + 3 of its own + 3 refinement trials.
      #expect(status.counts.succeeded == 11, "\(status.counts)")
      let results = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken)
      let origins = results.text.split(separator: "\n").filter { $0.contains("\"domain\":\"b\"") }.compactMap {
        line -> String? in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
          return nil
        }
        return object["origin"] as? String
      }
      #expect(origins.sorted() == ["refined", "refined", "refined", "sampled", "sampled", "sampled", "transferred"])
    }
  }
}
