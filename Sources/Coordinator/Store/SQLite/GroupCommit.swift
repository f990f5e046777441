import GRDB
import Synchronization

/// Group commit: write transactions that arrive while one is committing are run together in the
/// next transaction, each inside its own savepoint, and answered only after that transaction is
/// committed (and, with `synchronous = FULL`, fsynced). An acknowledgement still means "on disk";
/// one fsync now covers many results, which is what lets ingest outrun the disk's fsync rate.
/// A call that throws rolls back its own savepoint and leaves the others untouched.
final class GroupCommit: Sendable {
  private let pool: DatabasePool
  /// Most calls merged into one transaction, so that one batch does not hold the writer too long.
  private let maxBatch: Int
  private struct State {
    var queue: [Job] = []
    var draining = false
  }
  private let state = Mutex(State())

  init(pool: DatabasePool, maxBatch: Int = 256) {
    self.pool = pool
    self.maxBatch = maxBatch
  }

  /// One queued call: runs inside the batch's transaction, answered once the batch committed.
  private final class Job: @unchecked Sendable {
    // Touched only by the draining task, in order: perform, then finish.
    private let body: (Database) throws -> Any
    private let answer: (Result<Any, any Error>) -> Void
    private var outcome: Result<Any, any Error>?

    init(body: @escaping (Database) throws -> Any, answer: @escaping (Result<Any, any Error>) -> Void) {
      self.body = body
      self.answer = answer
    }

    func perform(_ db: Database) {
      do {
        var value: Any?
        try db.inSavepoint {
          value = try body(db)
          return .commit
        }
        outcome = .success(value as Any)
      } catch {
        outcome = .failure(error)
      }
    }

    /// `commitError`: the batch's transaction failed, so nothing of this call was kept.
    func finish(_ commitError: (any Error)?) {
      if let commitError { answer(.failure(commitError)) } else { answer(outcome ?? .failure(CancellationError())) }
    }
  }

  /// Runs `body` in a write transaction shared with concurrent callers; returns once committed.
  func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    let value: any Sendable = try await withCheckedThrowingContinuation { continuation in
      let job = Job(
        body: { db in try body(db) },
        answer: { result in
          continuation.resume(with: result.map { $0 as! T as any Sendable })
        })
      let start = state.withLock { state in
        state.queue.append(job)
        defer { state.draining = true }
        return !state.draining
      }
      if start { Task { await self.drain() } }
    }
    return value as! T
  }

  private func drain() async {
    while true {
      let batch: [Job] = state.withLock { state in
        let taken = Array(state.queue.prefix(maxBatch))
        state.queue.removeFirst(taken.count)
        if taken.isEmpty { state.draining = false }
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
