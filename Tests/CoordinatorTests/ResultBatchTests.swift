import Coordinator
import Foundation
import HummingbirdTesting
import Shared
import Testing

/// `POST /v1/results`: several reports in one request, each answered on its own.
@Suite struct ResultBatchTests {
  func batch(_ lease: LeaseGrant, _ trials: [LeasedTrial], metrics: [String: Double] = ["accuracy": 0.7])
    -> [BatchedResult]
  {
    trials.map { trial in
      BatchedResult(
        trialId: trial.trialId,
        report: ResultReport(
          sweepId: lease.sweepId, leaseId: lease.leaseId, fencingToken: lease.fencingToken, attempt: trial.attempt,
          status: .succeeded, metrics: metrics, exitCode: 0, durationS: 1))
    }
  }

  func send(_ api: APICaller, _ credential: String, _ results: [BatchedResult]) async throws -> APICaller.Reply {
    try await api.call(
      .post, "/v1/results", token: credential, body: try api.json(ResultBatchRequest(results: results)))
  }

  @Test func aBatchCompletesAWholeShardAndClosesItsLease() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 4, shardSize: 4))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      #expect(lease.trials.count == 4)
      coordinator.clock.advance(by: .seconds(3))
      let reply = try await send(api, worker.credential, batch(lease, lease.trials))
      #expect(reply.status == .ok, "\(reply.text)")
      let answer = try reply.decode(ResultBatchResponse.self)
      #expect(answer.results.map(\.trialId) == lease.trials.map(\.trialId))
      #expect(answer.results.allSatisfy { $0.status == 200 && $0.ack?.outcome == .completed && $0.error == nil })
      let status = try await api.status(sweep.id)
      #expect(status.counts.succeeded == 4 && status.state == .completed)
      // Resending the batch (the acknowledgement was lost) gets the same answers, merges nothing twice.
      let again = try await send(api, worker.credential, batch(lease, lease.trials)).decode(ResultBatchResponse.self)
      #expect(again == answer)
      #expect(try await api.status(sweep.id).counts.succeeded == 4)
    }
  }

  @Test func eachReportOfABatchStandsAlone() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 3, shardSize: 3))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      var results = batch(lease, lease.trials)
      results[1].report.durationS = -1  // refused before the store: 422
      var fenced = results[2]
      fenced.report.fencingToken += 1  // refused by the store: 409
      let unknown = BatchedResult(trialId: "no-such-trial", report: results[0].report)  // 404
      let reply = try await send(api, worker.credential, [results[0], results[1], fenced, unknown])
      #expect(reply.status == .ok, "\(reply.text)")
      let outcomes = try reply.decode(ResultBatchResponse.self).results
      #expect(outcomes.map(\.status) == [200, 422, 409, 404])
      #expect(outcomes[0].ack?.outcome == .completed)
      #expect(outcomes[1].error?.code == "invalid_duration")
      #expect(outcomes[1].error?.message.hasPrefix("results[1].duration_s") == true)
      #expect(outcomes[2].error?.code == "lease_fenced")
      #expect(outcomes[3].error?.code == "trial_not_found")
      // The refused ones left no trace; the accepted one was committed, and the rest can still report.
      var status = try await api.status(sweep.id)
      #expect(status.counts.succeeded == 1 && status.counts.leased == 2)
      let rest = try await send(api, worker.credential, Array(batch(lease, lease.trials)[1...]))
      #expect(try rest.decode(ResultBatchResponse.self).results.allSatisfy { $0.ack?.outcome == .completed })
      status = try await api.status(sweep.id)
      #expect(status.counts.succeeded == 3 && status.state == .completed)
    }
  }

  @Test func aBatchMustHoldOneTo256Reports() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      _ = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let empty = try await send(api, worker.credential, [])
      #expect(empty.status == .unprocessableContent && empty.errorCode == "invalid_batch")
      let one = batch(lease, lease.trials)[0]
      let tooMany = try await send(api, worker.credential, Array(repeating: one, count: 257))
      #expect(tooMany.status == .unprocessableContent && tooMany.errorCode == "invalid_batch")
      #expect(tooMany.text.contains("got 257"))
      let missingTrial = try await api.call(
        .post, "/v1/results", token: worker.credential,
        body: "{\"results\": [{\"sweep_id\": \"\(lease.sweepId)\", \"attempt\": 1}]}")
      #expect(missingTrial.status == .badRequest && missingTrial.errorCode == "malformed_json")
      let stranger = try await api.register(name: "other")
      let theirs = try await send(api, stranger.credential, [one]).decode(ResultBatchResponse.self)
      #expect(theirs.results.map(\.status) == [403])
    }
  }
}
