import AsyncHTTPClient
import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Shared
import SpecReading
import Testing

/// The whole server (router and reaper) on a real loopback port, with simulated workers.
@Suite struct LiveLoopbackTests {
  @Test func twoWorkersFinishASweepOverRealHTTP() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(60))
    defer { coordinator.cleanUp() }
    try await coordinator.liveApplication.test(.live) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a, b]", trials: 10, shardSize: 2, budget: "5"))
      let laptop = try await api.register(name: "laptop")
      let gpu = try await api.register(name: "gpu", rate: "0.40", provider: .runpod)
      let completed = try await withThrowingTaskGroup(of: [String].self) { group in
        for worker in [laptop, gpu] {
          group.addTask {
            var done: [String] = []
            var idle = 0
            while idle < 3 {
              let response = try await api.lease(worker.credential, wait: 0.2)
              guard let lease = response.lease else {
                idle += 1
                continue
              }
              idle = 0
              for trial in lease.trials {
                let reply = try await api.report(worker.credential, lease: lease, trial: trial)
                #expect(reply.status == .ok, "\(reply.text)")
                done.append(trial.trialId)
              }
            }
            return done
          }
        }
        var all: [String] = []
        for try await done in group { all += done }
        return all
      }
      #expect(completed.count == 20)
      #expect(Set(completed).count == 20)
      let status = try await api.status(sweep.id)
      #expect(status.state == .completed && status.counts.succeeded == 20)
      #expect(status.spentUsd.micros <= status.budgetUsd.micros)
    }
  }

  @Test func aLongPollIsAnsweredAsSoonAsWorkArrives() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.liveApplication.test(.live) { client in
      let api = APICaller(client: client)
      let worker = try await api.register(name: "waiter")
      guard let port = client.port else { throw TestFailure("the live server has no port") }
      // The long-poll goes through a client of its own: the test framework's gives up after 20 s,
      // and under the full suite's load (synchronous tests holding the concurrency pool's two
      // threads) serving the wake has taken longer than that, twice in a row.
      let http = HTTPClient(eventLoopGroupProvider: .singleton)
      let response: LeaseResponse
      do {
        response = try await Self.answerToLongPoll(
          http, port: port, credential: worker.credential, coordinator: coordinator)
        try await http.shutdown()
      } catch {
        try? await http.shutdown()
        throw error
      }
      // A long-poll that runs out answers with the "no work" it started with; a lease can only
      // come from the wake. (No wall-clock bound: under the full suite's load this took 22 s once.)
      #expect(response.lease != nil)
      let idle = try await api.lease(worker.credential, wait: 0.3)
      #expect(idle.noWork == .slotsFull)
    }
  }

  /// Long-polls for 60 s over real HTTP, submits a sweep once the dispatcher holds the request,
  /// wakes it, and returns the answer.
  static func answerToLongPoll(
    _ http: HTTPClient, port: Int, credential: String, coordinator: TestCoordinator
  ) async throws -> LeaseResponse {
    async let waiting: LeaseResponse = {
      var request = HTTPClientRequest(url: "http://localhost:\(port)/v1/leases")
      request.method = .POST
      request.headers.add(name: "Authorization", value: "Bearer \(credential)")
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(ByteBuffer(string: "{\"wait\": 60}"))
      let reply = try await http.execute(request, timeout: .seconds(300))
      let body = try await reply.body.collect(upTo: 1 << 20)
      return try WireCoding.decoder().decode(LeaseResponse.self, from: Data(body.readableBytesView))
    }()
    while await coordinator.server.dispatcher.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
    // The test client has one connection, busy with the long-poll: submit through the store.
    let spec = try SpecDecoder.decode(TestSpecs.sweep(domains: "[a]", trials: 1), file: "t.yaml")
    _ = try await coordinator.server.store.createSweep(
      id: "sw-live", spec: spec, specText: "", now: coordinator.clock.now)
    await coordinator.server.dispatcher.wake()
    return try await waiting
  }

  @Test func anExpiredLeaseIsReapedByTheRunningService() async throws {
    let coordinator = try await TestCoordinator(ttl: .seconds(4))
    defer { coordinator.cleanUp() }
    try await coordinator.liveApplication.test(.live) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(domains: "[a]", trials: 1))
      let worker = try await api.register(name: "w")
      _ = try #require(try await api.lease(worker.credential).lease)
      coordinator.clock.advance(by: .seconds(5))
      var requeued = false
      for _ in 0..<40 where !requeued {
        try await Task.sleep(for: .milliseconds(100))
        requeued = try await api.status(sweep.id).counts.pending == 1
      }
      #expect(requeued)
    }
  }
}
