/// Rules for the names users give to sweeps, domains, parameters and metrics.
public enum Identifier {
  /// Longest accepted name; keeps file names, env variables and tables readable.
  public static let maxLength = 64

  /// Parameter and metric names: `[a-z_][a-z0-9_]*`, so that they work as placeholders,
  /// `SWEEP_PARAM_<NAME>` variables and CSV columns.
  public static func isParameterName(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= maxLength else { return false }
    return (isLower(first) || first == "_")
      && text.unicodeScalars.allSatisfy { isLower($0) || isDigit($0) || $0 == "_" }
  }

  /// Domain names: `[A-Za-z0-9][A-Za-z0-9_-]*`.
  public static func isDomainName(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= maxLength else { return false }
    return isAlnum(first) && text.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" }
  }

  /// Sweep names: `[A-Za-z0-9][A-Za-z0-9._-]*`.
  public static func isSweepName(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= maxLength else { return false }
    return isAlnum(first) && text.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "-" || $0 == "." }
  }

  /// Text safe to echo in a message: control characters escaped, long text cut.
  public static func quoted(_ text: String, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == limit {
        out += "…"
        break
      }
      count += 1
      if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
        out += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return "'" + out + "'"
  }

  private static func isLower(_ s: Unicode.Scalar) -> Bool { s >= "a" && s <= "z" }
  private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
  private static func isAlnum(_ s: Unicode.Scalar) -> Bool { isLower(s) || isDigit(s) || (s >= "A" && s <= "Z") }

  /// Edit distance, for did-you-mean suggestions.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }

  /// The closest candidate to `text`, if it is close enough to be a likely typo.
  public static func suggestion(for text: String, among candidates: [String]) -> String? {
    guard text.unicodeScalars.count <= 200 else { return nil }
    let lowered = text.lowercased()
    let scored = candidates.map { ($0, editDistance(lowered, $0)) }
    if lowered.count >= 3, let prefixed = candidates.first(where: { $0.hasPrefix(lowered) || lowered.hasPrefix($0) }) {
      return prefixed
    }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let threshold = max(2, best.0.count / 3)
    return best.1 <= threshold ? best.0 : nil
  }
}
