/// Reads and writes durations the way people type them: `90s`, `25m`, `2h`, `1h30m`, `1.5h`, `500ms`.
public enum DurationText {
  /// Parses a duration; a bare number means seconds. Returns `nil` for anything else.
  public static func parse(_ text: String) -> Duration? {
    let trimmed = text.trimmingSpaces()
    guard !trimmed.isEmpty, trimmed.count <= 64 else { return nil }
    if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0, !trimmed.contains(where: { $0.isLetter }) {
      return seconds <= 1e12 ? .milliseconds(Int64((seconds * 1000).rounded())) : nil
    }
    var total = Duration.zero
    var number = ""
    var rest = Substring(trimmed)
    var sawUnit = false
    while let character = rest.first {
      if character.isNumber || character == "." {
        number.append(character)
        rest.removeFirst()
        continue
      }
      var unit = ""
      while let letter = rest.first, letter.isLetter {
        unit.append(letter)
        rest.removeFirst()
      }
      guard let value = Double(number), value.isFinite, value >= 0, value <= 1e9 else { return nil }
      let milliseconds: Double
      switch unit {
      case "ms": milliseconds = value
      case "s": milliseconds = value * 1000
      case "m", "min": milliseconds = value * 60_000
      case "h": milliseconds = value * 3_600_000
      case "d": milliseconds = value * 86_400_000
      default: return nil
      }
      total += .milliseconds(Int64(milliseconds.rounded()))
      number = ""
      sawUnit = true
    }
    return number.isEmpty && sawUnit ? total : nil
  }

  /// `1h30m`, `90s`, `250ms`: the shortest exact spelling of whole milliseconds.
  public static func format(_ duration: Duration) -> String {
    let totalMilliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    if totalMilliseconds == 0 { return "0s" }
    if totalMilliseconds % 1000 != 0 { return "\(totalMilliseconds)ms" }
    var seconds = totalMilliseconds / 1000
    var out = ""
    let hours = seconds / 3600
    seconds %= 3600
    if hours > 0 { out += "\(hours)h" }
    if seconds / 60 > 0 { out += "\(seconds / 60)m" }
    if seconds % 60 > 0 { out += "\(seconds % 60)s" }
    return out
  }

  /// A duration for people to read, rounded to what matters: `4.2s`, `45s`, `12m5s`, `3h20m`.
  public static func approximate(seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "—" }
    if seconds < 10 { return String(Double(Int((seconds * 10).rounded())) / 10) + "s" }
    let whole = Int64(seconds.rounded())
    if whole < 3600 { return format(.seconds(whole)) }
    return format(.seconds(whole / 60 * 60))
  }
}
