import Foundation
import GRDB
import Testing

@testable import Coordinator

/// Group commit keeps each call's all-or-nothing: calls that share a transaction succeed or
/// fail on their own, and each answer comes after the commit.
struct GroupCommitTests {
  func pool() throws -> (DatabasePool, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let pool = try DatabasePool(path: directory.appendingPathComponent("g.db").path)
    try pool.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)") }
    return (pool, directory)
  }

  struct Refused: Error {}

  @Test func aFailingCallRollsBackAloneWhileConcurrentCallsCommit() async throws {
    let (pool, directory) = try pool()
    defer { try? FileManager.default.removeItem(at: directory) }
    let committer = GroupCommit(pool: pool, maxBatch: 64)
    let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
      for key in 0..<200 {
        group.addTask {
          do {
            try await committer.write { db in
              try db.execute(sql: "INSERT INTO t(k, v) VALUES (?, 'x')", arguments: [key])
              if key % 7 == 0 { throw Refused() }  // after writing: its row must vanish with it
            }
            return (key, true)
          } catch {
            return (key, false)
          }
        }
      }
      var all: [Int: Bool] = [:]
      for await (key, ok) in group { all[key] = ok }
      return all
    }
    let stored = try await pool.read { db in Set(try Int.fetchAll(db, sql: "SELECT k FROM t")) }
    #expect(outcomes.filter { !$0.value }.keys.sorted() == Array(stride(from: 0, to: 200, by: 7)))
    #expect(stored == Set(outcomes.filter(\.value).keys))
    #expect(stored.count == 200 - 29)
  }

  @Test func aConstraintViolationFailsOnlyTheCallThatCausedIt() async throws {
    let (pool, directory) = try pool()
    defer { try? FileManager.default.removeItem(at: directory) }
    let committer = GroupCommit(pool: pool)
    try await committer.write { db in try db.execute(sql: "INSERT INTO t(k, v) VALUES (1, 'first')") }
    async let duplicate: Void = committer.write { db in try db.execute(sql: "INSERT INTO t(k, v) VALUES (1, 'again')") }
    async let other: Void = committer.write { db in try db.execute(sql: "INSERT INTO t(k, v) VALUES (2, 'other')") }
    var refused = false
    do { try await duplicate } catch is DatabaseError { refused = true }
    #expect(refused)
    try await other
    let rows = try await pool.read { db in try String.fetchAll(db, sql: "SELECT v FROM t ORDER BY k") }
    #expect(rows == ["first", "other"])
  }
}
