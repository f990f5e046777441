#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Money on the wire: written as a decimal string (`"0.40"`) so it stays exact; read from a
/// string or from a JSON number with at most six decimals. Negative amounts decode (so that the
/// API can answer 422 naming the field); receivers check the sign.
public struct DollarAmount: Hashable, Sendable, Codable {
  public var micros: MicroDollars

  public init(_ micros: MicroDollars) { self.micros = micros }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      do {
        micros = try MicroDollars.parse(text, allowNegative: true)
      } catch {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
      }
      return
    }
    let number = try container.decode(Double.self)
    guard number.isFinite else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a finite amount")
    }
    let scaled = number * 1_000_000
    guard abs(scaled) < 9e15 else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is too large")
    }
    let rounded = scaled.rounded()
    guard abs(scaled - rounded) < 1e-3 else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "\(number) has more than 6 decimals; amounts are exact to the micro-dollar")
    }
    micros = MicroDollars(Int64(rounded))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(micros.decimalString)
  }
}
