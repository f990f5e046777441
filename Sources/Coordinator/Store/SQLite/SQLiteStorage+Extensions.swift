import GRDB
import Shared
import SpecReading

/// A sweep's extensions: kept as JSON records beside the submitted spec text, which never changes.
extension SQLiteStorage {
  func effectiveSpec(_ sweep: String) throws -> SweepSpec { try store.effectiveSpec(db, sweepID: sweep) }

  func extensionRecords(_ sweep: String) throws -> [ExtensionRecord] {
    try SQLiteStore.extensionRecords(db, sweepID: sweep)
  }

  func setExtensionRecords(_ sweep: String, _ records: [ExtensionRecord]) throws {
    try db.execute(
      sql: "UPDATE sweeps SET extensions = ? WHERE id = ?", arguments: [try StoredJSON.encode(records), sweep])
    store.strategySpecs.withLock { _ = $0.removeValue(forKey: sweep) }
  }

  /// The columns an extension may change, from the grown spec.
  func storeGrownSpec(_ sweep: String, _ spec: SweepSpec) throws {
    try db.execute(
      sql: "UPDATE sweeps SET domains = ?, budget = ?, max_attempts = ? WHERE id = ?",
      arguments: [StoredJSON.encodeStrings(spec.domains), spec.budget.value, spec.maxAttempts, sweep])
    store.strategySpecs.withLock { _ = $0.removeValue(forKey: sweep) }
  }

  func highestShardPosition(_ sweep: String) throws -> Int64 {
    try Int64.fetchOne(
      db.cachedStatement(sql: "SELECT MAX(position) FROM shards WHERE sweep_id = ?"), arguments: [sweep]) ?? 0
  }

  func reopenSweep(_ sweep: String) throws {
    try db.execute(
      sql: "UPDATE sweeps SET state = ?, finished_at = NULL WHERE id = ?",
      arguments: [SweepState.running.rawValue, sweep])
  }
}

extension SQLiteStore {
  static func extensionRecords(_ db: Database, sweepID: String) throws -> [ExtensionRecord] {
    guard let text = try String.fetchOne(db, sql: "SELECT extensions FROM sweeps WHERE id = ?", arguments: [sweepID])
    else { return [] }
    return try StoredJSON.decode([ExtensionRecord].self, text)
  }

  /// The submitted spec with the sweep's extensions applied in order.
  func effectiveSpec(_ db: Database, sweepID: String) throws -> SweepSpec {
    guard let text = try String.fetchOne(db, sql: "SELECT spec_text FROM sweeps WHERE id = ?", arguments: [sweepID])
    else { throw StoreError.notFound(code: "sweep_not_found", message: "no sweep '\(sweepID)'") }
    var spec: SweepSpec
    do {
      spec = try SpecDecoder.decode(text, file: "sweep \(sweepID)")
    } catch {
      throw StoreError.corrupt("the stored spec of sweep \(sweepID) no longer validates: \(error.lines.first ?? "")")
    }
    for record in try Self.extensionRecords(db, sweepID: sweepID) {
      do {
        spec = try spec.applying(record.applied)
      } catch {
        throw StoreError.corrupt("extension \(record.applied.id) of sweep \(sweepID) no longer applies: \(error)")
      }
    }
    return spec
  }
}
