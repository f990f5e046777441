import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
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
      async let waiting = api.lease(worker.credential, wait: 60)
      while await coordinator.server.dispatcher.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
      // The test client has one connection, busy with the long-poll: submit through the store.
      let spec = try SpecDecoder.decode(TestSpecs.sweep(domains: "[a]", trials: 1), file: "t.yaml")
      _ = try await coordinator.server.store.createSweep(
        id: "sw-live", spec: spec, specText: "", now: coordinator.clock.now)
      await coordinator.server.dispatcher.wake()
      let response = try await waiting
      // A long-poll that runs out answers with the "no work" it started with; a lease can only
      // come from the wake. (No wall-clock bound: under the full suite's load this took 22 s once.)
      #expect(response.lease != nil)
      let idle = try await api.lease(worker.credential, wait: 0.3)
      #expect(idle.noWork == .slotsFull)
    }
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
