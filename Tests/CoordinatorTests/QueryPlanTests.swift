import Coordinator
import Foundation
import GRDB
import Shared
import SpecReading
import Testing

/// The hot queries use an index that answers them, not a scan of the sweep (a planner choice
/// that once halved end-to-end throughput on a 20,000-trial sweep).
@Suite struct QueryPlanTests {
  @Test func aGrantReadsOneShardsTrialsThroughTheShardIndex() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    let spec = try SpecDecoder.decode(
      "name: q\ndomains: [a]\nsampler: lhs\ntrials_per_domain: 2000\nshard_size: 4\nspace:\n  x: {uniform: [0, 1]}\ncommand: [t, \"{x}\"]",
      file: "q.yaml")
    _ = try await coordinator.server.store.createSweep(id: "sw-q", spec: spec, specText: "", now: coordinator.clock.now)
    let database = try DatabaseQueue(path: coordinator.databasePath)
    defer { try? database.close() }
    // No ANALYZE: the coordinator never runs it, so the planner decides without statistics.
    let plans = try await database.read { db -> [String] in
      try [
        """
        SELECT trial_id, idx, params, argv, attempts, failures FROM trials
        WHERE sweep_id = 'sw-q' AND domain = 'a' AND shard_ordinal = 7 AND state = 'pending' ORDER BY idx
        """,
        "SELECT COUNT(*) FROM trials WHERE sweep_id = 'sw-q' AND domain = 'a' AND shard_ordinal = 7 AND state = 'pending'",
      ].map { sql in
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
      }
    }
    for plan in plans {
      #expect(plan.contains("trials_by_shard_order (sweep_id=? AND domain=? AND shard_ordinal=?)"), "\(plan)")
    }
  }
}
