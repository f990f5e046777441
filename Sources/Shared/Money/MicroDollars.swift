/// An exact amount of money in millionths of a US dollar.
///
/// Money never passes through `Double`: decimal dollar strings are parsed digit by digit
/// and costs are computed with full-width integer arithmetic, rounding up.
public struct MicroDollars: Hashable, Comparable, Sendable, Codable {
  /// The amount in micro-dollars (1 USD = 1,000,000).
  public var value: Int64

  public init(_ value: Int64) { self.value = value }

  public static let zero = MicroDollars(0)
  /// Micro-dollars per dollar.
  public static let perDollar: Int64 = 1_000_000

  public static func < (lhs: MicroDollars, rhs: MicroDollars) -> Bool { lhs.value < rhs.value }

  /// Whole dollars, exactly; `nil` when the amount does not fit.
  public static func dollars(_ whole: Int64) -> MicroDollars? {
    let (product, overflow) = whole.multipliedReportingOverflow(by: perDollar)
    return overflow ? nil : MicroDollars(product)
  }

  /// Adds, reporting overflow instead of trapping.
  public func adding(_ other: MicroDollars) -> MicroDollars? {
    let (sum, overflow) = value.addingReportingOverflow(other.value)
    return overflow ? nil : MicroDollars(sum)
  }

  /// Subtracts, reporting overflow instead of trapping.
  /// `count` times this amount (`nil` on overflow or a negative count).
  public func times(_ count: Int) -> MicroDollars? {
    guard count >= 0 else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: Int64(count))
    return overflow ? nil : MicroDollars(product)
  }

  public func subtracting(_ other: MicroDollars) -> MicroDollars? {
    let (difference, overflow) = value.subtractingReportingOverflow(other.value)
    return overflow ? nil : MicroDollars(difference)
  }
}

extension MicroDollars: CustomStringConvertible {
  /// Decimal dollars with all six places, e.g. `"$0.300000"`; see ``decimalString``.
  public var description: String { "$" + decimalString }

  /// Decimal dollars without a currency sign, trailing zeros trimmed to at least two places:
  /// `0.3` → `"0.30"`, `1.234567` → `"1.234567"`, `-2` → `"-2.00"`.
  public var decimalString: String {
    let negative = value < 0
    let magnitude = value.magnitude
    let whole = magnitude / UInt64(Self.perDollar)
    var fraction = String(magnitude % UInt64(Self.perDollar))
    fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
    while fraction.count > 2 && fraction.hasSuffix("0") { fraction.removeLast() }
    return (negative ? "-" : "") + String(whole) + "." + fraction
  }
}
