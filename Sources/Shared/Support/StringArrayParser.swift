/// Reads JSON text of the shape `[["a","b"],["c"]]` (arrays of arrays of strings, as
/// ``JSONValue`` writes them) without Foundation's decoder, which was most of the time spent
/// turning a stored trial's parameters back into values on every grant and export row.
/// Returns nil for anything else, so callers can fall back to a general decoder.
public enum StringArrayParser {
  public static func parse(_ text: String) -> [[String]]? {
    var utf8 = Array(text.utf8)
    return utf8.withUnsafeMutableBufferPointer { bytes -> [[String]]? in
      var reader = Reader(bytes: UnsafeBufferPointer(bytes))
      return reader.outer()
    }
  }

  private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipSpace() {
      while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    mutating func expect(_ byte: UInt8) -> Bool {
      skipSpace()
      guard position < bytes.count, bytes[position] == byte else { return false }
      position += 1
      return true
    }

    /// `[` inner (`,` inner)* `]`, then nothing but space.
    mutating func outer() -> [[String]]? {
      guard let rows = list({ (reader: inout Reader) in reader.inner() }) else { return nil }
      skipSpace()
      return position == bytes.count ? rows : nil
    }

    mutating func inner() -> [String]? { list { (reader: inout Reader) in reader.string() } }

    mutating func list<T>(_ element: (inout Reader) -> T?) -> [T]? {
      guard expect(UInt8(ascii: "[")) else { return nil }
      var items: [T] = []
      if expect(UInt8(ascii: "]")) { return items }
      while true {
        guard let item = element(&self) else { return nil }
        items.append(item)
        if expect(UInt8(ascii: ",")) { continue }
        return expect(UInt8(ascii: "]")) ? items : nil
      }
    }

    mutating func string() -> String? {
      guard expect(UInt8(ascii: "\"")) else { return nil }
      let start = position
      // The common case has no escapes: one copy of the bytes.
      while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
        guard bytes[position] >= 0x20 else { return nil }
        position += 1
      }
      guard position < bytes.count else { return nil }
      if bytes[position] == UInt8(ascii: "\"") {
        defer { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
      }
      var scalars = String.UnicodeScalarView()
      scalars.append(
        contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
          .unicodeScalars)
      var pending: [UInt8] = []
      func flush() {
        if !pending.isEmpty {
          scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
          pending.removeAll()
        }
      }
      while position < bytes.count {
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""):
          flush()
          return String(scalars)
        case UInt8(ascii: "\\"):
          flush()
          guard position < bytes.count else { return nil }
          let escape = bytes[position]
          position += 1
          switch escape {
          case UInt8(ascii: "\""): scalars.append("\"")
          case UInt8(ascii: "\\"): scalars.append("\\")
          case UInt8(ascii: "/"): scalars.append("/")
          case UInt8(ascii: "n"): scalars.append("\n")
          case UInt8(ascii: "r"): scalars.append("\r")
          case UInt8(ascii: "t"): scalars.append("\t")
          case UInt8(ascii: "b"): scalars.append("\u{08}")
          case UInt8(ascii: "f"): scalars.append("\u{0C}")
          case UInt8(ascii: "u"):
            // Surrogate pairs are left to the general decoder.
            guard let value = hex4(), let scalar = Unicode.Scalar(value) else { return nil }
            scalars.append(scalar)
          default: return nil
          }
        default:
          guard byte >= 0x20 else { return nil }
          pending.append(byte)
        }
      }
      return nil
    }

    mutating func hex4() -> UInt32? {
      guard position + 4 <= bytes.count else { return nil }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[position]
        position += 1
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
        value = value * 16 + digit
      }
      return value
    }
  }
}
