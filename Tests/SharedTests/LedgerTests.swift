import PropertyBased
import Shared
import Testing

@Suite struct LedgerTests {
  @Test func refusesAReservationPastTheBudget() throws {
    var ledger = Ledger(budget: MicroDollars(1_000))
    let first = try #require(try ledger.reserve(MicroDollars(600)))
    #expect(try ledger.reserve(MicroDollars(401)) == nil)
    let second = try #require(try ledger.reserve(MicroDollars(400)))
    #expect(ledger.available == .zero)
    try ledger.settle(first, actual: MicroDollars(250))
    #expect(ledger.spent == MicroDollars(250))
    #expect(ledger.reserved == MicroDollars(400))
    try ledger.release(second)
    #expect(ledger.available == MicroDollars(750))
  }

  @Test func settlingChargesTheActualCostEvenAboveTheHold() throws {
    var ledger = Ledger(budget: MicroDollars(1_000))
    let hold = try #require(try ledger.reserve(MicroDollars(100)))
    try ledger.settle(hold, actual: MicroDollars(130))
    #expect(ledger.spent == MicroDollars(130))
    #expect(ledger.reserved == .zero)
  }

  @Test func aReservationSettlesOnce() throws {
    var ledger = Ledger(budget: MicroDollars(1_000))
    let hold = try #require(try ledger.reserve(MicroDollars(100)))
    try ledger.settle(hold, actual: MicroDollars(50))
    #expect(throws: LedgerError.unknownReservation(hold.id)) { try ledger.settle(hold, actual: MicroDollars(50)) }
    #expect(throws: LedgerError.unknownReservation(hold.id)) { try ledger.release(hold) }
    #expect(ledger.spent == MicroDollars(50))
  }

  @Test func extendingGrowsAHoldOnlyWithinTheBudget() throws {
    var ledger = Ledger(budget: MicroDollars(1_000))
    let hold = try #require(try ledger.reserve(MicroDollars(500)))
    let grown = try #require(try ledger.extend(hold, by: MicroDollars(300)))
    #expect(grown.amount == MicroDollars(800))
    #expect(try ledger.extend(grown, by: MicroDollars(201)) == nil)
    #expect(ledger.reserved == MicroDollars(800))
  }

  @Test func negativeAmountsAreRefused() {
    var ledger = Ledger(budget: MicroDollars(1_000))
    #expect(throws: LedgerError.negativeAmount(MicroDollars(-1))) { try ledger.reserve(MicroDollars(-1)) }
  }

  @Test func restoringFromStoredStateKeepsTheTotals() throws {
    let restored = try Ledger(
      budget: MicroDollars(1_000), spent: MicroDollars(200), open: [3: MicroDollars(100), 7: MicroDollars(50)],
      nextReservationID: 4)
    #expect(restored.reserved == MicroDollars(150))
    #expect(restored.available == MicroDollars(650))
    #expect(restored.nextReservationID == 8)
  }

  /// One random operation on a ledger: reserve, extend, settle (within or above the hold) or release.
  enum Operation: Sendable, CustomStringConvertible {
    case reserve(Int64)
    case extend(pick: Int, by: Int64)
    case settle(pick: Int, fraction: Int64)
    case release(pick: Int)
    case replay(pick: Int)
    case charge(pick: Int, amount: Int64)
    /// A priced trial of the hold charged `cost` against its `price` (part of the hold).
    case trial(pick: Int, price: Int64, cost: Int64)
    case merge(pick: Int)

    var description: String {
      switch self {
      case .reserve(let a): "reserve(\(a))"
      case .extend(let p, let a): "extend(#\(p), \(a))"
      case .settle(let p, let f): "settle(#\(p), \(f)%)"
      case .release(let p): "release(#\(p))"
      case .replay(let p): "replay(#\(p))"
      case .charge(let p, let a): "charge(#\(p), \(a))"
      case .trial(let p, let price, let cost): "trial(#\(p), price \(price), cost \(cost))"
      case .merge(let p): "merge(#\(p))"
      }
    }
  }

  /// Decodes a generated (kind, pick, amount) triple into an operation.
  static func operation(_ kind: Int, _ pick: Int, _ amount: Int64) -> Operation {
    switch kind {
    case 0: .reserve(amount)
    case 1: .extend(pick: pick, by: amount / 2)
    case 2: .settle(pick: pick, fraction: amount % 151)
    case 3: .release(pick: pick)
    case 4: .replay(pick: pick)
    case 5: .charge(pick: pick, amount: amount / 4)
    case 6: .trial(pick: pick, price: amount / 2, cost: amount % 300)
    default: .merge(pick: pick)
    }
  }

  /// Runs random sequences against a simple model: every micro-dollar is accounted for exactly
  /// once, `spent + reserved ≤ budget` while settlements stay within their holds, and a settled
  /// reservation can never be charged again.
  @Test func invariantHoldsOverRandomOperationSequences() async {
    await propertyCheck(
      count: 300, input: Gen.int64(in: 0...2_000),
      zip(Gen.int(in: 0...7), Gen.int(in: 0...20), Gen.int64(in: 0...400)).array(of: 0...60)
    ) { budget, triples in
      let operations = triples.map { Self.operation($0.0, $0.1, $0.2) }
      var ledger = Ledger(budget: MicroDollars(budget))
      var open: [Reservation] = []
      var closed: [Reservation] = []
      var modelSpent: Int64 = 0
      var overspentBySettlement = false
      for operation in operations {
        switch operation {
        case .reserve(let amount):
          let before = ledger.spent.value + ledger.reserved.value
          if let hold = try? ledger.reserve(MicroDollars(amount)) {
            // a zero hold is granted even when an overrunning charge used up more than the budget
            #expect(before + amount <= budget || (amount == 0 && overspentBySettlement))
            open.append(hold)
          } else {
            #expect(before + amount > budget)
          }
        case .extend(let pick, let amount):
          guard !open.isEmpty else { continue }
          let index = pick % open.count
          if let grown = try? ledger.extend(open[index], by: MicroDollars(amount)) { open[index] = grown }
        case .settle(let pick, let fraction):
          guard !open.isEmpty else { continue }
          let hold = open.remove(at: pick % open.count)
          let actual = hold.amount.value * fraction / 100
          if actual > hold.amount.value { overspentBySettlement = true }
          do { try ledger.settle(hold, actual: MicroDollars(actual)) } catch { Issue.record("settle failed: \(error)") }
          modelSpent += actual
          closed.append(hold)
        case .release(let pick):
          guard !open.isEmpty else { continue }
          let hold = open.remove(at: pick % open.count)
          do { try ledger.release(hold) } catch { Issue.record("release failed: \(error)") }
          closed.append(hold)
        case .charge(let pick, let amount):
          guard !open.isEmpty else { continue }
          let index = pick % open.count
          if amount > open[index].amount.value { overspentBySettlement = true }
          do {
            open[index] = try ledger.charge(open[index], MicroDollars(amount))
          } catch {
            Issue.record("charge failed: \(error)")
          }
          modelSpent += amount
        case .trial(let pick, let wanted, let cost):
          guard !open.isEmpty else { continue }
          let index = pick % open.count
          let price = min(wanted, open[index].amount.value)
          if cost > price { overspentBySettlement = true }
          do {
            let left = try ledger.chargeTrial(open[index], cost: MicroDollars(cost), price: MicroDollars(price))
            // The trial's whole price leaves the hold, whatever it cost: the rest stays for the others.
            #expect(left.amount.value == open[index].amount.value - price)
            open[index] = left
          } catch {
            Issue.record("chargeTrial failed: \(error)")
          }
          modelSpent += cost
        case .merge(let pick):
          guard open.count >= 2 else { continue }
          let part = open.remove(at: pick % open.count)
          let index = pick % open.count
          do {
            let whole = try ledger.merge(part, into: open[index])
            #expect(whole.amount.value == open[index].amount.value + part.amount.value)
            open[index] = whole
          } catch {
            Issue.record("merge failed: \(error)")
          }
          closed.append(part)
        case .replay(let pick):
          guard !closed.isEmpty else { continue }
          let hold = closed[pick % closed.count]
          #expect(throws: LedgerError.self) { try ledger.settle(hold, actual: MicroDollars(1)) }
        }
        #expect(ledger.spent.value == modelSpent)
        #expect(ledger.reserved.value == open.reduce(0) { $0 + $1.amount.value })
        if !overspentBySettlement {
          #expect(ledger.spent.value + ledger.reserved.value <= budget)
        }
      }
    }
  }
}
