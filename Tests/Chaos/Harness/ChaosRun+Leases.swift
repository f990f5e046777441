import Foundation
import GRDB

extension ChaosRun {
  /// Leases the coordinator still holds open, read from its database (nil when it cannot be read).
  func openLeases() -> Int? {
    var readOnly = Configuration()
    readOnly.readonly = true
    guard let database = try? DatabaseQueue(path: serve.databasePath, configuration: readOnly) else { return nil }
    return try? database.read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leases WHERE state = 'active'")
    }
  }
}
