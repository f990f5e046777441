/// A hold on part of a budget, made before money is spent and settled or released afterwards.
public struct Reservation: Hashable, Sendable, Codable {
  /// Unique within its ledger; never reused.
  public var id: UInt64
  /// The amount held.
  public var amount: MicroDollars

  public init(id: UInt64, amount: MicroDollars) {
    self.id = id
    self.amount = amount
  }
}

/// Why a ledger operation was refused.
public enum LedgerError: Error, Equatable, Sendable {
  /// The reservation was already settled or released, or never belonged to this ledger.
  case unknownReservation(UInt64)
  /// Amounts are never negative.
  case negativeAmount(MicroDollars)
  /// The total would not fit in 64 bits.
  case overflow
}

/// One sweep's money: a fixed budget, what has been spent, and what is held by open reservations.
///
/// `reserve` refuses any hold that would take `spent + reserved` past `budget`; `settle`
/// charges the actual cost (even above the reservation — real money was paid) and releases the
/// rest. So `spent + reserved ≤ budget` holds whenever every settlement stayed within its
/// reservation, and no amount is ever counted twice or lost. A value type: the store persists it.
public struct Ledger: Hashable, Sendable, Codable {
  public private(set) var budget: MicroDollars
  public private(set) var spent: MicroDollars = .zero
  public private(set) var reserved: MicroDollars = .zero
  /// Open reservations by id.
  public private(set) var open: [UInt64: MicroDollars] = [:]
  /// The next reservation id; ids only grow so a settled id is never mistaken for a new one.
  public private(set) var nextReservationID: UInt64 = 1
  /// The most this sweep may have committed (`spent + reserved`) under the coordinator's own
  /// budget, given what the other sweeps committed (``OuterBudget/limit(budget:othersUsage:periodBase:)``);
  /// nil without one. The tighter of the two budgets wins. Set by the store for each change, not stored.
  public var outerLimit: MicroDollars? = nil

  public init(budget: MicroDollars) { self.budget = max(budget, .zero) }

  /// Raises the cap (`sweep extend`); a lower amount leaves it as it is, since holds and
  /// charges already made under it stand.
  public mutating func raiseBudget(to amount: MicroDollars) { budget = max(budget, amount) }

  /// Restores a ledger from stored state, checking that the open reservations add up.
  public init(
    budget: MicroDollars, spent: MicroDollars, open: [UInt64: MicroDollars], nextReservationID: UInt64
  ) throws(LedgerError) {
    self.budget = budget
    self.spent = spent
    var total = MicroDollars.zero
    for amount in open.values {
      guard amount >= .zero else { throw .negativeAmount(amount) }
      guard let sum = total.adding(amount) else { throw .overflow }
      total = sum
    }
    self.reserved = total
    self.open = open
    self.nextReservationID = max(nextReservationID, (open.keys.max() ?? 0) + 1)
  }

  /// What is neither spent nor reserved, within the coordinator's budget too (never below zero).
  public var available: MicroDollars {
    let committed = spent.adding(reserved) ?? MicroDollars(.max)
    let cap = outerLimit.map { min(budget, $0) } ?? budget
    return max(.zero, cap.subtracting(committed) ?? .zero)
  }

  /// Holds `amount`, or returns `nil` when `spent + reserved + amount` would exceed `budget`.
  /// A zero amount is always granted (a free worker holds nothing but still gets an id).
  public mutating func reserve(_ amount: MicroDollars) throws(LedgerError) -> Reservation? {
    guard amount >= .zero else { throw .negativeAmount(amount) }
    guard amount <= available else { return nil }
    let reservation = Reservation(id: nextReservationID, amount: amount)
    nextReservationID += 1
    open[reservation.id] = amount
    reserved = MicroDollars(reserved.value + amount.value)
    return reservation
  }

  /// Grows an open reservation by `amount` if the budget allows; returns the new reservation
  /// or `nil` (leaving it unchanged) when it does not.
  public mutating func extend(_ reservation: Reservation, by amount: MicroDollars) throws(LedgerError)
    -> Reservation?
  {
    guard amount >= .zero else { throw .negativeAmount(amount) }
    guard let held = open[reservation.id] else { throw .unknownReservation(reservation.id) }
    guard amount <= available else { return nil }
    let grown = MicroDollars(held.value + amount.value)
    open[reservation.id] = grown
    reserved = MicroDollars(reserved.value + amount.value)
    return Reservation(id: reservation.id, amount: grown)
  }

  /// Charges `actual` against the reservation and releases whatever remains of it.
  /// The actual cost is charged in full even when it exceeds the hold.
  public mutating func settle(_ reservation: Reservation, actual: MicroDollars) throws(LedgerError) {
    guard actual >= .zero else { throw .negativeAmount(actual) }
    guard let held = open[reservation.id] else { throw .unknownReservation(reservation.id) }
    guard let newSpent = spent.adding(actual) else { throw .overflow }
    open[reservation.id] = nil
    reserved = MicroDollars(reserved.value - held.value)
    spent = newSpent
  }

  /// Charges `amount` now against an open reservation that stays open: the hold shrinks by the
  /// amount (never below zero) and `spent` grows by all of it. Used to book each attempt of a
  /// lease as its result arrives; `settle` later closes the hold with what is left to charge.
  public mutating func charge(_ reservation: Reservation, _ amount: MicroDollars) throws(LedgerError) -> Reservation {
    try charge(reservation, amount, coveredUpTo: amount)
  }

  /// Charges `amount` now, of which at most `covered` comes out of the reservation's hold (which
  /// stays open); `spent` grows by all of it. A hold shared by several charges (a lease's machine
  /// time and each of its priced trials) keeps the others' parts when one goes over its own.
  public mutating func charge(_ reservation: Reservation, _ amount: MicroDollars, coveredUpTo covered: MicroDollars)
    throws(LedgerError) -> Reservation
  {
    guard amount >= .zero, covered >= .zero else { throw .negativeAmount(min(amount, covered)) }
    guard let held = open[reservation.id] else { throw .unknownReservation(reservation.id) }
    guard let newSpent = spent.adding(amount) else { throw .overflow }
    let taken = min(held, amount, covered)
    open[reservation.id] = MicroDollars(held.value - taken.value)
    reserved = MicroDollars(reserved.value - taken.value)
    spent = newSpent
    return Reservation(id: reservation.id, amount: MicroDollars(held.value - taken.value))
  }

  /// Moves what `part` holds into `whole` (`part` closes): one hold for one lease. Nothing is
  /// spent or freed, so the budget is not checked again.
  public mutating func merge(_ part: Reservation, into whole: Reservation) throws(LedgerError) -> Reservation {
    guard part.id != whole.id else { return whole }
    guard let moved = open[part.id] else { throw .unknownReservation(part.id) }
    guard let held = open[whole.id] else { throw .unknownReservation(whole.id) }
    open[part.id] = nil
    open[whole.id] = MicroDollars(held.value + moved.value)
    return Reservation(id: whole.id, amount: MicroDollars(held.value + moved.value))
  }

  /// Gives `amount` of an open reservation back (never more than it holds); the rest stays held.
  /// Used when one trial of a lease reports a cost below the price its lease held for it.
  public mutating func release(_ reservation: Reservation, part amount: MicroDollars) throws(LedgerError)
    -> Reservation
  {
    guard amount >= .zero else { throw .negativeAmount(amount) }
    guard let held = open[reservation.id] else { throw .unknownReservation(reservation.id) }
    let given = min(held, amount)
    open[reservation.id] = MicroDollars(held.value - given.value)
    reserved = MicroDollars(reserved.value - given.value)
    return Reservation(id: reservation.id, amount: MicroDollars(held.value - given.value))
  }

  /// Gives the whole reservation back without charging anything.
  public mutating func release(_ reservation: Reservation) throws(LedgerError) {
    guard let held = open[reservation.id] else { throw .unknownReservation(reservation.id) }
    open[reservation.id] = nil
    reserved = MicroDollars(reserved.value - held.value)
  }

  /// The amount currently held by a reservation, or `nil` if it is no longer open.
  public func held(_ reservation: Reservation) -> MicroDollars? { open[reservation.id] }
}
