import Synchronization

/// A one-shot event: `open()` once, and every waiter (now or later) goes on. Waiting is
/// cancellable, so it can be raced against a clock or a request.
public final class Latch: Sendable {
  private struct State {
    var isOpen = false
    var nextID = 0
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  }
  private let state = Mutex(State())

  public init() {}

  public var isOpen: Bool { state.withLock { $0.isOpen } }

  /// Opens the latch; returns whether this call opened it.
  @discardableResult
  public func open() -> Bool {
    let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { state in
      guard !state.isOpen else { return nil }
      state.isOpen = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters ?? [] { waiter.resume() }
    return waiters != nil
  }

  /// Returns when the latch is open, or when the task is cancelled.
  public func wait() async {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state in
          if state.isOpen || Task.isCancelled { return true }
          state.waiters[id] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
  }
}
