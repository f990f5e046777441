extension Timestamp {
  /// Parses an ISO 8601 date-time with a zone: `2026-12-02T09:00:00Z`, `…T09:00:00.250Z`,
  /// `…T10:00:00+01:00`. Nil for anything else (no zone, out-of-range fields, trailing text).
  public init?(iso8601 text: String) {
    let bytes = Array(text.utf8)
    var position = 0
    func number(_ width: Int) -> Int64? {
      guard position + width <= bytes.count else { return nil }
      var value: Int64 = 0
      for byte in bytes[position..<position + width] {
        guard (48...57).contains(byte) else { return nil }
        value = value * 10 + Int64(byte - 48)
      }
      position += width
      return value
    }
    func expect(_ character: UInt8) -> Bool {
      guard position < bytes.count, bytes[position] == character else { return false }
      position += 1
      return true
    }
    guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
      expect(84) || expect(116), let hour = number(2), expect(58), let minute = number(2), expect(58),
      let second = number(2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var millisecond: Int64 = 0
    if expect(46) {
      var digits = 0
      while position < bytes.count, (48...57).contains(bytes[position]) {
        if digits < 3 { millisecond = millisecond * 10 + Int64(bytes[position] - 48) }
        digits += 1
        position += 1
      }
      guard digits > 0 else { return nil }
      for _ in digits..<3 where digits < 3 { millisecond *= 10 }
    }
    var offsetMinutes: Int64 = 0
    if expect(90) || expect(122) {
    } else if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 {
      let sign: Int64 = bytes[position] == 45 ? -1 : 1
      position += 1
      guard let hours = number(2), expect(58), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
      offsetMinutes = sign * (hours * 60 + minutes)
    } else {
      return nil
    }
    guard position == bytes.count else { return nil }
    // Howard Hinnant's days-from-civil algorithm (the inverse of ``CivilTime``'s).
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = era * 146_097 + dayOfEra - 719_468
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
    self.init(milliseconds: seconds * 1000 + millisecond)
  }
}
