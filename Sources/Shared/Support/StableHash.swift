/// FNV-1a, 64-bit: a hash that never changes between runs, platforms or Swift versions
/// (unlike `Hasher`, which is seeded per process). Used for trial ids and per-domain seeds.
public struct StableHash: Sendable {
  public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

  public init() {}

  /// Feeds the UTF-8 bytes of `text` followed by a 0x1F separator, so that
  /// `("ab", "c")` and `("a", "bc")` hash differently.
  public mutating func combine(_ text: String) {
    for byte in text.utf8 { feed(byte) }
    feed(0x1F)
  }

  public mutating func combine(_ number: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) { feed(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
    feed(0x1F)
  }

  private mutating func feed(_ byte: UInt8) {
    value ^= UInt64(byte)
    value &*= 0x0000_0100_0000_01B3
  }

  /// The hash, finalised with SplitMix64's mixer so that nearby inputs spread over all bits.
  public var finalized: UInt64 {
    var mixer = SplitMix64(state: value)
    return mixer.next()
  }
}
