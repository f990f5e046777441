import Synchronization

@testable import Worker

/// A ``WorkerClock`` that moves only when the test says so. Sleepers with a deadline at or
/// before the new time wake on ``advance(by:)``; ``sleepers(atLeast:)`` lets a test wait until
/// the agent has gone to sleep before moving time, instead of sleeping itself.
final class ManualClock: WorkerClock {
  private struct Sleeper {
    var deadline: Duration
    var continuation: CheckedContinuation<Void, any Error>
  }
  private struct Observer {
    var count: Int
    var continuation: CheckedContinuation<Void, Never>
  }
  private struct State {
    var now: Duration = .zero
    var nextID = 0
    var sleepers: [Int: Sleeper] = [:]
    var observers: [Observer] = []

    mutating func readyObservers() -> [CheckedContinuation<Void, Never>] {
      let ready = observers.filter { $0.count <= sleepers.count }
      observers.removeAll { $0.count <= sleepers.count }
      return ready.map(\.continuation)
    }
  }
  private let state = Mutex(State())

  var now: Duration { state.withLock { $0.now } }

  /// How many tasks sleep on this clock now.
  var sleeping: Int { state.withLock { $0.sleepers.count } }

  func sleep(until deadline: Duration) async throws {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let (verdict, ready): (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
          if Task.isCancelled { return (.failure(CancellationError()), []) }
          if deadline <= state.now { return (.success(()), []) }
          state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
          return (nil, state.readyObservers())
        }
        for observer in ready { observer.resume() }
        if let verdict { continuation.resume(with: verdict) }
      }
    } onCancel: {
      state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Moves time forward and wakes every sleeper whose deadline passed.
  func advance(by duration: Duration) {
    let due = state.withLock { state in
      state.now += duration
      let due = state.sleepers.filter { $0.value.deadline <= state.now }
      for id in due.keys { state.sleepers.removeValue(forKey: id) }
      return due.values.map(\.continuation)
    }
    for sleeper in due { sleeper.resume() }
  }

  /// Lets every ``sleepers(atLeast:)`` return now (when what it waits for will never come).
  func releaseObservers() {
    let waiting = state.withLock { state in
      defer { state.observers.removeAll() }
      return state.observers.map(\.continuation)
    }
    for observer in waiting { observer.resume() }
  }

  /// Returns once at least `count` tasks sleep on this clock.
  func sleepers(atLeast count: Int) async {
    await withCheckedContinuation { continuation in
      let ready = state.withLock { state in
        if state.sleepers.count >= count { return true }
        state.observers.append(Observer(count: count, continuation: continuation))
        return false
      }
      if ready { continuation.resume() }
    }
  }
}
