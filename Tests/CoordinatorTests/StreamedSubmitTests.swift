import Coordinator
import Foundation
import GRDB
import Shared
import SpecReading
import Testing

/// The store samples and inserts a sweep one trial at a time; what it stores must be exactly the
/// plan `sweep sample` and `sweep validate` show.
@Suite struct StreamedSubmitTests {
  @Test func aStreamedSweepStoresExactlyThePlannedTrialsShardsAndDuplicates() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    // 40 Latin-hypercube draws from 12 configurations: most are repeats, which both must drop alike.
    let spec = try SpecDecoder.decode(
      """
      name: streamed
      domains: [a, b]
      seed: 8
      sampler: lhs
      trials_per_domain: 40
      shard_size: 3
      space:
        rank: [1, 2, 4, 8]
        opt: [adamw, sgd, lion]
      command: [train, "{rank}", "{opt}", "{trial_id}"]
      """, file: "streamed.yaml")
    let plan = SweepPlan(spec: spec)
    let created = try await coordinator.server.store.createSweep(
      id: "sw-s", spec: spec, specText: "", now: coordinator.clock.now)
    #expect(created.totalTrials == plan.totalTrials)
    #expect(created.shards == plan.shards.count)
    #expect(created.duplicatesRemoved == plan.samples.reduce(0) { $0 + $1.duplicatesRemoved })
    #expect(created.duplicatesRemoved > 0)

    let database = try DatabaseQueue(path: coordinator.databasePath)
    defer { try? database.close() }
    let stored = try await database.read { db in
      try Row.fetchAll(
        db,
        sql:
          "SELECT domain, idx, trial_id, shard_ordinal, argv FROM trials WHERE sweep_id = 'sw-s' ORDER BY domain, idx"
      )
      .map { row in
        "\(row["domain"] as String) \(row["idx"] as Int) \(row["trial_id"] as String) \(row["shard_ordinal"] as Int) \(row["argv"] as String)"
      }
    }
    let planned = plan.samples.flatMap { sample in
      sample.trials.map { trial in
        "\(trial.domain) \(trial.index) \(trial.id) \(trial.index / 3) "
          + JSONValue.array(trial.argv.map(JSONValue.string)).serialized()
      }
    }
    #expect(stored == planned)
    let shards = try await database.read { db in
      try Row.fetchAll(db, sql: "SELECT domain, ordinal FROM shards WHERE sweep_id = 'sw-s' ORDER BY position")
        .map { "\($0["domain"] as String)/\($0["ordinal"] as Int)" }
    }
    #expect(shards == plan.shards.map { "\($0.domain)/\($0.ordinal)" })
  }
}
