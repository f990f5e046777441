import GRDB
import Shared

/// A lease as stored, with the pure views (lifecycle, meter, reservation) built from it.
struct LeaseRow: ScheduledLease {
  var id: String
  var sweepID: String
  var domain: String
  var shardOrdinal: Int
  var workerID: String
  var fencing: Int64
  var state: LeaseState
  var grantedAt: Timestamp
  var expiresAt: Timestamp
  var paidUntil: Timestamp?
  var slotRate: HourlyRate
  var expected: Duration
  var reservationID: UInt64?
  var held: MicroDollars
  var charged: MicroDollars
  var tail: Duration?
  var excusedUntil: Timestamp?

  /// The columns ``init(_:)`` reads, by position: reading a GRDB row by column name lower-cases
  /// the name on every access, which was a measurable part of every result.
  static let columns = """
    id, sweep_id, domain, shard_ordinal, worker_id, fencing, state, granted_at, expires_at, paid_until, slot_rate,
    expected_ms, reservation_id, held, charged, tail_ms, excused_until
    """

  /// A row selected with ``columns``.
  init(_ row: Row) {
    id = row[0]
    sweepID = row[1]
    domain = row[2]
    shardOrdinal = row[3]
    workerID = row[4]
    fencing = row[5]
    state = LeaseState(rawValue: row[6]) ?? .expired
    grantedAt = Timestamp(milliseconds: row[7])
    expiresAt = Timestamp(milliseconds: row[8])
    paidUntil = (row[9] as Int64?).map { Timestamp(milliseconds: $0) }
    slotRate = HourlyRate(microDollarsPerHour: row[10])
    expected = .milliseconds(row[11] as Int64)
    reservationID = (row[12] as Int64?).map { UInt64($0) }
    held = MicroDollars(row[13])
    charged = MicroDollars(row[14])
    tail = (row[15] as Int64?).map { .milliseconds($0) }
    excusedUntil = (row[16] as Int64?).map { Timestamp(milliseconds: $0) }
  }

  static func fetch(_ db: Database, id: String) throws -> LeaseRow? {
    try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM leases WHERE id = ?"), arguments: [id]).map(
      LeaseRow.init)
  }

  var ref: String { id }
  var sweepRef: String { sweepID }
  var shardRef: SQLiteStorage.ShardKey { .init(sweepID: sweepID, domain: domain, ordinal: shardOrdinal) }
  var workerRef: String { workerID }
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
        sql: "SELECT reservation_id, held FROM leases WHERE sweep_id = ? AND state = ? AND reservation_id IS NOT NULL"),
      arguments: [sweepID, LeaseState.active.rawValue])
    {
      open[UInt64(hold["reservation_id"] as Int64)] = MicroDollars(hold["held"])
    }
    // Paid workers' idle windows held in this sweep's budget.
    for hold in try Row.fetchAll(
      db.cachedStatement(
        sql: "SELECT hold_reservation, hold_held FROM workers WHERE hold_sweep_id = ? AND hold_reservation IS NOT NULL"),
      arguments: [sweepID])
    {
      open[UInt64(hold["hold_reservation"] as Int64)] = MicroDollars(hold["hold_held"])
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
