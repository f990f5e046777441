extension Ledger {
  /// Books one priced trial against its lease's hold, which held `price` for it: `cost` is
  /// charged in full (real money was paid), at most `price` of it out of the hold — a trial over
  /// its price does not eat the parts held for the lease's other trials or machine time — and
  /// what the trial left of its price is given back at once.
  public mutating func chargeTrial(_ hold: Reservation, cost: MicroDollars, price: MicroDollars) throws(LedgerError)
    -> Reservation
  {
    guard cost >= .zero, price >= .zero else { throw .negativeAmount(min(cost, price)) }
    let covered = min(cost, price)
    let left = try charge(hold, cost, coveredUpTo: covered)
    return try release(left, part: MicroDollars(price.value - covered.value))
  }
}
