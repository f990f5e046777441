import Foundation
import GRDB
import Shared
import Synchronization

/// The embedded default store: one SQLite file in WAL mode, `synchronous = FULL` so that a
/// committed transaction survives a power cut, migrations versioned from the start.
public final class SQLiteStore: SweepStore {
  let pool: DatabasePool
  /// Hot writes (grants, heartbeats, results, registrations) share transactions: see ``GroupCommit``.
  let committer: GroupCommit
  /// The file this store writes.
  public let path: String
  /// Decoded specs of sweeps with strategies, and `nil` for plain sweeps, so that a result or a
  /// heartbeat neither re-parses its sweep's spec nor asks the database whether it has one.
  let strategySpecs = Mutex<[String: SweepSpec?]>([:])

  /// Opens (creating if needed) and migrates the database at `path`. `durable: false` skips
  /// fsync (`synchronous = OFF`): only for throwaway databases such as the simulator's.
  public init(path: String, durable: Bool = true) throws {
    self.path = path
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in
      try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF")
      try db.execute(sql: "PRAGMA foreign_keys = ON")
      // 16 MiB of page cache per connection (SQLite's default is 2 MiB): a million-trial sweep's
      // indexes otherwise come back from the OS with a pread per page (13% of a profiled run).
      try db.execute(sql: "PRAGMA cache_size = -16384")
      // Group commit runs each call in a savepoint; their journals spilled to a temporary file
      // past 64 KiB, and those writes were most of the writer's time (a pwrite per page per
      // savepoint, 40 per trial end to end). They only ever roll back a savepoint, so memory is enough.
      try db.execute(sql: "PRAGMA temp_store = MEMORY")
      // A checkpoint every 8,192 WAL pages (32 MiB) rather than SQLite's 1,000: one group commit of a
      // busy coordinator writes about 500 pages, so the default checkpointed (and fsynced the
      // database file) every other commit.
      try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
    }
    pool = try DatabasePool(path: path, configuration: configuration)
    committer = GroupCommit(pool: pool)
    try SQLiteSchema.migrator.migrate(pool)
  }

  /// Waits for the group commit to answer every call in flight, then closes; called on graceful shutdown.
  public func shutdown() async throws {
    await committer.drained()
    try close()
  }

  /// Flushes the WAL into the main file.
  public func close() throws {
    try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    try pool.close()
  }

  public func tokenHash(kind: String) async throws -> [UInt8]? {
    try await pool.read { db in
      try Data.fetchOne(db, sql: "SELECT hash FROM tokens WHERE kind = ?", arguments: [kind]).map { [UInt8]($0) }
    }
  }

  public func setTokenHash(kind: String, hash: [UInt8], now: Timestamp) async throws {
    try await pool.write { db in
      try db.execute(
        sql:
          "INSERT INTO tokens(kind, hash, created_at) VALUES (?, ?, ?) ON CONFLICT(kind) DO UPDATE SET hash = excluded.hash",
        arguments: [kind, Data(hash), now.milliseconds])
    }
  }
}
