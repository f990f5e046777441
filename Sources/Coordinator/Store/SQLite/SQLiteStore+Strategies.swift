import Foundation
import GRDB
import Shared
import SpecReading

extension SQLiteStore {
  /// The spec of a sweep with strategies, or `nil` for a plain sweep (both cached).
  func strategySpec(_ db: Database, sweepID: String) throws -> SweepSpec? {
    if let cached = strategySpecs.withLock({ $0[sweepID] }) { return cached }  // a plain sweep is cached as nil
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT strategic, spec_text FROM sweeps WHERE id = ?"), arguments: [sweepID])
    else { return nil }
    var spec: SweepSpec? = nil
    if (row["strategic"] as Bool?) == true {
      do {
        spec = try SpecDecoder.decode(row["spec_text"] as String, file: "sweep \(sweepID)")
      } catch {
        throw StoreError.corrupt("the stored spec of sweep \(sweepID) no longer validates: \(error.lines.first ?? "")")
      }
    }
    strategySpecs.withLock { $0[sweepID] = .some(spec) }
    return spec
  }
}
