import Foundation
import GRDB
import Shared
import SpecReading

extension SQLiteStore {
  /// The spec of a sweep with strategies, or `nil` for a plain sweep (both cached).
  func strategySpec(_ db: Database, sweepID: String) throws -> SweepSpec? {
    if let cached = strategySpecs.withLock({ $0[sweepID] }) { return cached }  // a plain sweep is cached as nil
    let strategic = try Bool.fetchOne(db, sql: "SELECT strategic FROM sweeps WHERE id = ?", arguments: [sweepID])
    guard let strategic else { return nil }
    let spec = strategic ? try effectiveSpec(db, sweepID: sweepID) : nil
    strategySpecs.withLock { $0[sweepID] = .some(spec) }
    return spec
  }
}
