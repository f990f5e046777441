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

  /// Flushes the WAL into the main file; called on graceful shutdown.
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

/// Encodings of the JSON columns.
enum StoredJSON {
  /// Parameters keep their exact type: `[["rank","i","16"],["wd","d","1e-05"]]`.
  static func encodeParams(_ params: [(name: String, value: ParameterValue)]) -> String {
    JSONValue.array(
      params.map { param in
        let kind: String
        switch param.value {
        case .int: kind = "i"
        case .double: kind = "d"
        case .string: kind = "s"
        }
        return .array([.string(param.name), .string(kind), .string(param.value.canonical)])
      }
    ).serialized()
  }

  static func decodeParams(_ text: String) throws -> [(name: String, value: ParameterValue)] {
    let triples = try StringArrayParser.parse(text) ?? JSONDecoder().decode([[String]].self, from: Data(text.utf8))
    return try triples.map { triple in
      guard triple.count == 3 else { throw StoreError.corrupt("params: \(text)") }
      let value: ParameterValue
      switch triple[1] {
      case "i": value = .int(Int64(triple[2]) ?? 0)
      case "d": value = .double(Double(triple[2]) ?? .nan)
      default: value = .string(triple[2])
      }
      return (name: triple[0], value: value)
    }
  }

  static func encodeStrings(_ strings: [String]) -> String {
    JSONValue.array(strings.map(JSONValue.string)).serialized()
  }

  static func decodeStrings(_ text: String) throws -> [String] {
    try JSONDecoder().decode([String].self, from: Data(text.utf8))
  }

  static func encodeMetrics(_ metrics: [String: Double]) -> String {
    JSONValue.object(metrics.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) }).serialized()
  }

  static func decodeMetrics(_ text: String) throws -> [String: Double] {
    try JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
  }

  static func encodeLabels(_ labels: [String: String]) -> String {
    JSONValue.object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized()
  }

  static func decodeLabels(_ text: String) throws -> [String: String] {
    // Most workers have no labels, and this runs for every authenticated request.
    if text == "{}" { return [:] }
    return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
  }
}

/// Random identifiers: a prefix and hex digits from the system's secure generator.
enum RandomID {
  static func make(_ prefix: String, bytes: Int = 8) -> String {
    var generator = SystemRandomNumberGenerator()
    var text = prefix
    for _ in 0..<bytes {
      let byte = UInt8.random(in: 0...255, using: &generator)
      text += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
    }
    return text
  }
}
