/// Why a decimal dollar string could not be read.
public enum MoneyParseError: Error, Equatable, Sendable {
  case empty
  case notADecimal(String)
  case tooManyDecimals(String)
  case outOfRange(String)
  case negative(String)

  /// A sentence that names the input and what was expected.
  public var message: String {
    switch self {
    case .empty: "an empty amount; expected decimal dollars such as 12.50"
    case .notADecimal(let text):
      "'\(text)' is not a decimal amount; expected digits with an optional '.' and up to 6 decimals, such as 0.30"
    case .tooManyDecimals(let text):
      "'\(text)' has more than 6 decimals; amounts are exact to the micro-dollar"
    case .outOfRange(let text): "'\(text)' is too large; expected at most 9,000,000,000,000 dollars"
    case .negative(let text): "'\(text)' is negative; expected an amount ≥ 0"
    }
  }
}

extension MicroDollars {
  /// Parses decimal dollars exactly: `"12"`, `"0.30"`, `"1.000001"`, optionally with a leading `$`.
  ///
  /// Exponents, thousands separators, `NaN` and infinities are rejected; more than six
  /// decimals is an error rather than a silent rounding.
  public static func parse(_ text: String, allowNegative: Bool = false) throws(MoneyParseError) -> MicroDollars {
    var rest = Substring(text.trimmingSpaces())
    guard !rest.isEmpty else { throw .empty }
    var negative = false
    if rest.first == "-" {
      negative = true
      rest = rest.dropFirst()
    } else if rest.first == "+" {
      rest = rest.dropFirst()
    }
    if rest.first == "$" { rest = rest.dropFirst() }
    let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let wholeText = parts[0]
    let fractionText = parts.count > 1 ? parts[1] : ""
    let isDigits: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isNumber } }
    guard isDigits(wholeText), isDigits(fractionText), !(wholeText.isEmpty && fractionText.isEmpty)
    else { throw .notADecimal(text) }
    guard fractionText.count <= 6 else { throw .tooManyDecimals(text) }
    if negative && !allowNegative { throw .negative(text) }
    guard wholeText.count <= 13, let whole = Int64(wholeText.isEmpty ? "0" : wholeText) else {
      throw .outOfRange(text)
    }
    let paddedFraction = fractionText + String(repeating: "0", count: 6 - fractionText.count)
    let fraction = Int64(paddedFraction) ?? 0
    guard let wholeMicros = MicroDollars.dollars(whole),
      let total = wholeMicros.adding(MicroDollars(fraction))
    else { throw .outOfRange(text) }
    return negative ? MicroDollars(-total.value) : total
  }
}

extension String {
  /// The string without leading and trailing ASCII spaces, tabs and newlines.
  func trimmingSpaces() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }),
      let end = lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(self[start...end])
  }
}
