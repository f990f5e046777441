import GRDB
import Synchronization

/// Group commit: write transactions that arrive while one is committing are run together in the
/// next transaction, each inside its own savepoint, and answered only after that transaction is
/// committed (and, with `synchronous = FULL`, fsynced). An acknowledgement still means "on disk";
/// one fsync now covers many results, which is what lets ingest outrun the disk's fsync rate.
/// A call that throws rolls back its own savepoint and leaves the others untouched.
///
/// One drain task at a time runs the queue; its handle is kept here, so it is never left
/// running unowned: ``drained()`` waits for it (the store's shutdown calls it).
final class GroupCommit: Sendable {
  private let pool: DatabasePool
  /// Most calls merged into one transaction, so that one batch does not hold the writer too long.
  private let maxBatch: Int
  private struct State {
    var queue: [Job] = []
    /// The task draining the queue, while there is one.
    var drain: Task<Void, Never>?
  }
  private let state = Mutex(State())

  init(pool: DatabasePool, maxBatch: Int = 256) {
    self.pool = pool
    self.maxBatch = maxBatch
  }

  /// One queued call, its result type erased into two closures that share the typed outcome.
  private struct Job: Sendable {
    /// Runs the call in its savepoint of the batch's transaction and keeps its outcome.
    let perform: @Sendable (Database) -> Void
    /// Answers the caller once the batch committed; `commitError`: it did not, so nothing of the call was kept.
    let finish: @Sendable (_ commitError: (any Error)?) -> Void
  }

  /// The outcome of one call between its savepoint and the batch's commit. Touched only by the
  /// drain task, in order: written by `perform`, then read by `finish`.
  private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
  }

  /// Runs `body` in a write transaction shared with concurrent callers; returns once committed.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      let outcome = Outcome<T>()
      let job = Job(
        perform: { db in
          outcome.result = Result {
            var value: T?
            try db.inSavepoint {
              value = try body(db)
              return .commit
            }
            guard let value else { throw CancellationError() }
            return value
          }
        },
        finish: { commitError in
          if let commitError {
            continuation.resume(throwing: commitError)
          } else {
            continuation.resume(with: outcome.result ?? .failure(CancellationError()))
          }
        })
      state.withLock { state in
        state.queue.append(job)
        if state.drain == nil { state.drain = Task { await self.drainQueue() } }
      }
    }
  }

  /// Waits until every queued call has been answered.
  func drained() async {
    while let task = state.withLock({ $0.drain }) { await task.value }
  }

  private func drainQueue() async {
    while true {
      let batch: [Job] = state.withLock { state in
        let taken = Array(state.queue.prefix(maxBatch))
        state.queue.removeFirst(taken.count)
        if taken.isEmpty { state.drain = nil }
        return taken
      }
      if batch.isEmpty { return }
      do {
        try await pool.write { db in
          for job in batch { job.perform(db) }
        }
        for job in batch { job.finish(nil) }
      } catch {
        for job in batch { job.finish(error) }
      }
    }
  }
}
