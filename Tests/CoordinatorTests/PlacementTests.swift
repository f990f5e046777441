import Coordinator
import Foundation
import Shared
import SpecReading
import Testing

/// Waiting workers are served free first, then the paid one with the lowest expected cost per trial.
@Suite struct PlacementTests {
  @Test func aWaitingFreeWorkerGetsNewWorkBeforeAWaitingPaidOne() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    let store = coordinator.server.store
    let dispatcher = coordinator.server.dispatcher
    let now = coordinator.clock.now
    try await store.registerWorker(
      RegisterWorkerRequest(name: "a100", provider: .lambda, hourlyCostUsd: DollarAmount(MicroDollars(750_000))),
      id: "wk-a100", secretHash: [], now: now)
    try await store.registerWorker(
      RegisterWorkerRequest(name: "3090", provider: .runpod, hourlyCostUsd: DollarAmount(MicroDollars(300_000))),
      id: "wk-3090", secretHash: [], now: now)
    try await store.registerWorker(
      RegisterWorkerRequest(name: "laptop", provider: .local, hourlyCostUsd: DollarAmount(.zero)),
      id: "wk-laptop", secretHash: [], now: now)
    let workers = try await ["wk-a100", "wk-3090", "wk-laptop"].asyncMap {
      try #require(try await store.worker(id: $0))
    }
    // All three wait (the paid ones first); then a sweep of two trials arrives.
    let waits = workers.map { worker in
      Task { try await dispatcher.request(worker: worker, wait: .seconds(120)) }
    }
    while await dispatcher.waiting < 3 { try await Task.sleep(for: .milliseconds(5)) }
    let spec = try SpecDecoder.decode(TestSpecs.sweep(domains: "[a]", trials: 2), file: "t.yaml")
    _ = try await store.createSweep(id: "sw-p", spec: spec, specText: "", now: now)
    await dispatcher.wake()  // decides every grant before it returns
    for wait in waits { wait.cancel() }  // the one left waiting answers "no work" now
    var granted: [String] = []
    for (worker, wait) in zip(workers, waits) {
      if case .granted = try await wait.value { granted.append(worker.name) }
    }
    // free first; then, with equal expected durations, the cheaper paid worker
    #expect(granted.sorted() == ["3090", "laptop"])
  }
}

extension Array {
  func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
    var result: [T] = []
    for element in self { result.append(try await transform(element)) }
    return result
  }
}
