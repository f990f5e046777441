import GRDB
import Shared

/// A lease as stored, with the pure views (lifecycle, meter, reservation) built from it.
struct LeaseRow {
  var id: String
  var sweepID: String
  var domain: String
  var shardOrdinal: Int
  var workerID: String
  var fencing: Int64
  var state: String
  var grantedAt: Timestamp
  var expiresAt: Timestamp
  var paidUntil: Timestamp?
  var slotRate: HourlyRate
  var expected: Duration
  var reservationID: UInt64?
  var held: MicroDollars
  var charged: MicroDollars

  init(_ row: Row) {
    id = row["id"]
    sweepID = row["sweep_id"]
    domain = row["domain"]
    shardOrdinal = row["shard_ordinal"]
    workerID = row["worker_id"]
    fencing = row["fencing"]
    state = row["state"]
    grantedAt = Timestamp(milliseconds: row["granted_at"])
    expiresAt = Timestamp(milliseconds: row["expires_at"])
    paidUntil = (row["paid_until"] as Int64?).map { Timestamp(milliseconds: $0) }
    slotRate = HourlyRate(microDollarsPerHour: row["slot_rate"])
    expected = .milliseconds(row["expected_ms"] as Int64)
    reservationID = (row["reservation_id"] as Int64?).map { UInt64($0) }
    held = MicroDollars(row["held"])
    charged = MicroDollars(row["charged"])
  }

  static func fetch(_ db: Database, id: String) throws -> LeaseRow? {
    try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM leases WHERE id = ?"), arguments: [id]).map(LeaseRow.init)
  }

  static func fetchActive(_ db: Database, workerID: String) throws -> [LeaseRow] {
    try Row.fetchAll(
      db.cachedStatement(sql: "SELECT * FROM leases WHERE worker_id = ? AND state = 'active'"), arguments: [workerID]
    )
    .map(LeaseRow.init)
  }

  var lifecycle: LeaseLifecycle {
    LeaseLifecycle(
      state: state == "active"
        ? .active(expiresAt: expiresAt) : .closed(LeaseEnd(rawValue: state) ?? .expired, at: expiresAt),
      fencingToken: fencing)
  }

  var meter: LeaseMeter { LeaseMeter(grantedAt: grantedAt, paidUntil: paidUntil, rate: slotRate, charged: charged) }

  var reservation: Reservation? { reservationID.map { Reservation(id: $0, amount: held) } }

  var isPaid: Bool { !slotRate.isFree }
}

/// A sweep's ledger loaded from its row and its active leases, written back after a change.
struct StoredLedger {
  var sweepID: String
  var ledger: Ledger

  static func load(_ db: Database, sweepID: String) throws -> StoredLedger {
    guard
      let row = try Row.fetchOne(
        db.cachedStatement(sql: "SELECT budget, spent, next_reservation FROM sweeps WHERE id = ?"), arguments: [sweepID]
      )
    else { throw StoreError.corrupt("no sweep \(sweepID) for its ledger") }
    var open: [UInt64: MicroDollars] = [:]
    for hold in try Row.fetchAll(
      db.cachedStatement(
        sql:
          "SELECT reservation_id, held FROM leases WHERE sweep_id = ? AND state = 'active' AND reservation_id IS NOT NULL"
      ),
      arguments: [sweepID])
    {
      open[UInt64(hold["reservation_id"] as Int64)] = MicroDollars(hold["held"])
    }
    do {
      let ledger = try Ledger(
        budget: MicroDollars(row["budget"]), spent: MicroDollars(row["spent"]), open: open,
        nextReservationID: UInt64(row["next_reservation"] as Int64))
      return StoredLedger(sweepID: sweepID, ledger: ledger)
    } catch {
      throw StoreError.corrupt("ledger of \(sweepID): \(error)")
    }
  }

  func save(_ db: Database) throws {
    try db.cachedStatement(sql: "UPDATE sweeps SET spent = ?, next_reservation = ? WHERE id = ?").execute(arguments: [
      ledger.spent.value, Int64(ledger.nextReservationID), sweepID,
    ])
  }
}
