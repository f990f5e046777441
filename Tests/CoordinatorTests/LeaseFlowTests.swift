import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import Shared
import Testing

/// Leasing, heartbeats, results, expiry and fencing through the real router, on virtual time.
@Suite struct LeaseFlowTests {
  /// Through the router: a lease request that says `paused` is answered at once with
  /// `no_work: paused`, grants nothing, and the admin's worker list says why.
  @Test func aPausedLeaseRequestGrantsNothingAndTheWorkerListSaysWhy() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(trials: 1))
      let worker = try await api.register(name: "macbook")
      let paused = try await api.call(
        .post, "/v1/leases", token: worker.credential, body: #"{"wait": 30, "paused": "on_battery"}"#)
      #expect(paused.status == .ok, "\(paused.text)")
      let answer = try paused.decode(LeaseResponse.self)
      #expect(answer.lease == nil && answer.noWork == .paused && answer.retryAfterS == 60)
      let listed = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken)
      #expect(try listed.decode(WorkerList.self).workers.map(\.paused) == [.onBattery], "\(listed.text)")
      #expect(listed.text.contains(#""paused":"on_battery""#))
      let bad = try await api.call(.post, "/v1/leases", token: worker.credential, body: #"{"paused": "asleep"}"#)
      #expect(bad.status.code >= 400 && bad.status.code < 500, "\(bad.text)")
      #expect(try await api.lease(worker.credential).lease != nil)
      let again = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken)
      #expect(try again.decode(WorkerList.self).workers.map(\.paused) == [nil])
    }
  }

  @Test func aWorkerRunsASweepToCompletion() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(trials: 3))
      #expect(sweep.totalTrials == 6 && sweep.shards == 6)
      let worker = try await api.register(name: "laptop")
      var seen = Set<String>()
      while true {
        let response = try await api.lease(worker.credential)
        guard let lease = response.lease else {
          #expect(response.noWork == .noPendingTrials)
          break
        }
        #expect(lease.allowanceS == nil)  // free worker
        #expect(lease.trials.count == 1)
        let trial = lease.trials[0]
        #expect(trial.argv[0] == "train" && trial.argv[1] == trial.params["rank"]?.canonical)
        #expect(seen.insert(trial.trialId).inserted)
        let heartbeat = try await api.heartbeat(
          worker.credential, lease: lease,
          progress: [TrialProgress(trialId: trial.trialId, attempt: 1, epoch: 1, metrics: ["loss": 0.5])])
        #expect(heartbeat.status == .ok)
        #expect(try heartbeat.decode(HeartbeatResponse.self).actions.map(\.kind) == [.continue])
        coordinator.clock.advance(by: .seconds(5))
        let reply = try await api.report(
          worker.credential, lease: lease, trial: trial, metrics: ["accuracy": Double(seen.count) / 10])
        #expect(reply.status == .ok, "\(reply.text)")
        #expect(try reply.decode(ResultAck.self).outcome == .completed)
      }
      #expect(seen.count == 6)
      let status = try await api.status(sweep.id)
      #expect(status.state == .completed)
      #expect(status.counts.succeeded == 6)
      #expect(status.spentUsd.micros == .zero)
      #expect(status.domains.map(\.domain) == ["a", "b"])
      #expect(status.domains[1].best?.value == 0.6)
      let results = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken)
      let lines = results.text.split(separator: "\n")
      #expect(lines.count == 6)
      let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
      for key in [
        "domain", "rank", "wd", "accuracy", "cost", "timestamp", "sweep", "trial_id", "status", "attempt",
        "duration_s", "worker", "provider", "hourly_cost_usd", "started_at", "finished_at",
      ] {
        #expect(first[key] != nil, "missing \(key)")
      }
      #expect(first["worker"] as? String == "laptop")
      #expect(lines[0].hasPrefix("{\"domain\":\"a\",\"rank\":"))
      let csv = try await api.call(
        .get, "/v1/sweeps/\(sweep.id)/results?format=csv&domain=b", token: TestCoordinator.adminToken)
      let rows = csv.text.split(separator: "\n")
      #expect(
        rows[0]
          == "domain,rank,wd,accuracy,cost,timestamp,sweep,trial_id,status,attempt,duration_s,worker,provider,hourly_cost_usd,started_at,finished_at,stage,origin,error,exit_code"
      )
      #expect(rows.count == 4)
      let best = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results?best=true", token: TestCoordinator.adminToken)
      #expect(best.text.split(separator: "\n").count == 2)
    }
  }

  @Test func theSameReportTwiceGetsTheSameAnswer() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let first = try await api.report(worker.credential, lease: lease, trial: lease.trials[0])
      let second = try await api.report(worker.credential, lease: lease, trial: lease.trials[0])
      #expect(first.status == .ok && second.status == .ok)
      #expect(first.text == second.text)
      let failedReplay = try await api.report(worker.credential, lease: lease, trial: lease.trials[0], status: .failed)
      #expect(failedReplay.text == first.text)  // keyed by attempt: the stored answer
    }
  }

  @Test func expiredLeaseRequeuesTrialsAndFailsThemAfterMaxAttempts() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1, maxAttempts: 2))
      let worker = try await api.register(name: "w")
      let first = try #require(try await api.lease(worker.credential).lease)
      coordinator.clock.advance(by: .seconds(61))
      let summary = try await coordinator.server.store.reap(now: coordinator.clock.now)
      #expect(summary == ReapSummary(expiredLeases: 1, requeuedTrials: 1, failedTrials: 0, lostWorkers: 1))
      let late = try await api.heartbeat(worker.credential, lease: first)
      #expect(late.status == .conflict)
      #expect(late.errorCode == "lease_closed")
      let second = try #require(try await api.lease(worker.credential).lease)
      #expect(second.trials[0].trialId == first.trials[0].trialId)
      #expect(second.trials[0].attempt == 2)
      #expect(second.fencingToken == first.fencingToken + 1)
      coordinator.clock.advance(by: .seconds(61))
      _ = try await coordinator.server.store.reap(now: coordinator.clock.now)
      let status = try await api.status(sweep.id)
      #expect(status.counts.failed == 1)
      #expect(status.state == .completed)
      let exported = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken)
      #expect(exported.text.contains("\"status\":\"failed\""))
      #expect(exported.text.contains("\"attempt\":2"))
    }
  }

  @Test func aLateReportAfterReleaseIsAcceptedOnlyIfTheTrialHasNoResult() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 2, maxAttempts: 3))
      let slow = try await api.register(name: "slow")
      let fast = try await api.register(name: "fast")
      // Trial 1: the slow worker's lease expires, the fast one re-runs it, then the slow one reports first.
      let stale = try #require(try await api.lease(slow.credential).lease)
      coordinator.clock.advance(by: .seconds(61))
      _ = try await coordinator.server.store.reap(now: coordinator.clock.now)
      let fresh = try #require(try await api.lease(fast.credential).lease)
      #expect(fresh.trials[0].trialId == stale.trials[0].trialId)
      let lateWin = try await api.report(
        slow.credential, lease: stale, trial: stale.trials[0], metrics: ["accuracy": 0.7])
      #expect(lateWin.status == .ok, "\(lateWin.text)")
      #expect(try lateWin.decode(ResultAck.self).outcome == .completed)
      let heartbeat = try await api.heartbeat(fast.credential, lease: fresh)
      let actions = try heartbeat.decode(HeartbeatResponse.self).actions
      #expect(actions.contains { $0.kind == .cancelTrial && $0.trialId == fresh.trials[0].trialId })
      let loser = try await api.report(
        fast.credential, lease: fresh, trial: fresh.trials[0], metrics: ["accuracy": 0.9])
      #expect(loser.status == .conflict)
      #expect(loser.errorCode == "trial_already_completed")
      #expect(try await api.report(fast.credential, lease: fresh, trial: fresh.trials[0]).status == .conflict)
      // The fast worker's cancelled attempt closes its lease; nothing is lost.
      let cancelled = try await api.report(fast.credential, lease: fresh, trial: fresh.trials[0], status: .cancelled)
      #expect(cancelled.status == .ok)
      // Trial 2: the re-run finishes first, then the late report is refused.
      let stale2 = try #require(try await api.lease(slow.credential).lease)
      coordinator.clock.advance(by: .seconds(61))
      _ = try await coordinator.server.store.reap(now: coordinator.clock.now)
      let fresh2 = try #require(try await api.lease(fast.credential).lease)
      #expect(try await api.report(fast.credential, lease: fresh2, trial: fresh2.trials[0]).status == .ok)
      let late = try await api.report(slow.credential, lease: stale2, trial: stale2.trials[0])
      #expect(late.status == .conflict)
      #expect(late.errorCode == "trial_already_completed")
      let status = try await api.status(sweep.id)
      #expect(status.counts.succeeded == 2)
      let lines = try await api.call(.get, "/v1/sweeps/\(sweep.id)/results", token: TestCoordinator.adminToken).text
      #expect(lines.split(separator: "\n").count == 2)
      #expect(lines.contains("\"accuracy\":0.7"))
      #expect(!lines.contains("\"accuracy\":0.9"))
    }
  }

  @Test func aWorkerCannotReportForALeaseItDoesNotHold() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let holder = try await api.register(name: "holder")
      let intruder = try await api.register(name: "intruder")
      let lease = try #require(try await api.lease(holder.credential).lease)
      let reply = try await api.report(intruder.credential, lease: lease, trial: lease.trials[0])
      #expect(reply.status == .forbidden)
      #expect(reply.errorCode == "not_your_lease")
      #expect(try await api.heartbeat(intruder.credential, lease: lease).status == .forbidden)
      var forged = lease
      forged.fencingToken += 5
      #expect(
        try await api.report(holder.credential, lease: forged, trial: lease.trials[0]).errorCode == "lease_fenced")
      var wrongAttempt = lease.trials[0]
      wrongAttempt.attempt = 9
      #expect(try await api.report(holder.credential, lease: lease, trial: wrongAttempt).errorCode == "no_such_attempt")
    }
  }

  @Test func nonFiniteMetricsAndNegativeDurationsAreRefused() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let trial = lease.trials[0]
      let base =
        "\"sweep_id\": \"\(lease.sweepId)\", \"lease_id\": \"\(lease.leaseId)\", \"fencing_token\": \(lease.fencingToken), \"attempt\": 1, \"status\": \"succeeded\""
      let nan = try await api.call(
        .post, "/v1/trials/\(trial.trialId)/results", token: worker.credential,
        body: "{\(base), \"metrics\": {\"accuracy\": NaN}}")
      #expect(nan.status == .badRequest)
      let huge = try await api.call(
        .post, "/v1/trials/\(trial.trialId)/results", token: worker.credential,
        body: "{\(base), \"metrics\": {\"accuracy\": 1e999}}")
      #expect(huge.status == .badRequest || huge.status == .unprocessableContent, "\(huge.text)")
      let negative = try await api.call(
        .post, "/v1/trials/\(trial.trialId)/results", token: worker.credential, body: "{\(base), \"duration_s\": -3}")
      #expect(negative.status == .unprocessableContent)
      #expect(negative.errorCode == "invalid_duration")
      // none of them reached the database: the trial is still running and can complete
      #expect(try await api.report(worker.credential, lease: lease, trial: trial).status == .ok)
    }
  }

  @Test func releaseGivesTrialsBackWithoutUsingAnAttempt() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 4, shardSize: 4, maxAttempts: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      #expect(lease.trials.count == 4)
      #expect(try await api.report(worker.credential, lease: lease, trial: lease.trials[0]).status == .ok)
      let release = try await api.call(
        .post, "/v1/leases/\(lease.leaseId)/release", token: worker.credential,
        body: try api.json(ReleaseRequest(fencingToken: lease.fencingToken)))
      let released = try release.decode(ReleaseResponse.self)
      #expect(released.released.count == 3 && released.leaseClosed)
      let again = try #require(try await api.lease(worker.credential).lease)
      #expect(again.trials.count == 3)
      #expect(again.fencingToken == lease.fencingToken + 1)
      let status = try await api.status(sweep.id)
      #expect(status.counts.failed == 0 && status.counts.leased == 3 && status.counts.succeeded == 1)
    }
  }

  @Test func cancellingASweepStopsItsLeases() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 3))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let cancel = try await api.call(.post, "/v1/sweeps/\(sweep.id)/cancel", token: TestCoordinator.adminToken)
      #expect(try cancel.decode(SweepStatus.self).state == .cancelled)
      let actions = try await api.heartbeat(worker.credential, lease: lease).decode(HeartbeatResponse.self).actions
      #expect(actions.map(\.kind) == [.stopAll])
      #expect(
        try await api.report(worker.credential, lease: lease, trial: lease.trials[0], status: .cancelled).status == .ok)
      let next = try await api.lease(worker.credential)
      #expect(next.lease == nil)
      #expect(next.noWork == .sweepCancelled)
      #expect(try await api.status(sweep.id).counts.cancelled == 3)
    }
  }

  @Test func deregisteringReleasesTheWorkersLeases() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      _ = try #require(try await api.lease(worker.credential).lease)
      #expect(try await api.call(.delete, "/v1/workers/\(worker.workerId)", token: worker.credential).status == .ok)
      #expect(try await api.status(sweep.id).counts.pending == 1)
      let after = try await api.call(.post, "/v1/leases", token: worker.credential, body: "{}")
      #expect(after.status == .gone)
      let list = try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self)
      #expect(list.workers.first?.state == .deregistered)
    }
  }

  @Test func metricsCountLeasesAndResults() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      _ = try await api.report(worker.credential, lease: lease, trial: lease.trials[0])
      let text = try await api.call(.get, "/metrics", token: TestCoordinator.adminToken).text
      #expect(text.contains("sweep_leases_granted_total 1"))
      #expect(text.contains("sweep_results_total{outcome=\"completed\"} 1"))
      #expect(text.contains("sweep_active_workers 1"))
    }
  }
}
