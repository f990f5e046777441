extension MicroDollars {
  /// This amount as a share of `whole`, in tenths of a percent, rounded down (never negative);
  /// nil for a zero whole. Utilization (spent ÷ budget) everywhere it is shown.
  public func perMille(of whole: MicroDollars) -> Int64? {
    guard whole.value > 0 else { return nil }
    // At full width: exact floor(1000 × part ÷ whole) for any amounts, saturating.
    let product = UInt64(max(0, value)).multipliedFullWidth(by: 1000)
    guard product.high < UInt64(whole.value) else { return .max }
    let (quotient, _) = UInt64(whole.value).dividingFullWidth(product)
    return quotient > UInt64(Int64.max) ? .max : Int64(quotient)
  }

  /// A per-mille share as people read it: `93.4%`.
  public static func percentText(perMille: Int64) -> String { "\(perMille / 10).\(perMille % 10)%" }
}
