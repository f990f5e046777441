/// One concrete value of a hyperparameter.
public enum ParameterValue: Hashable, Sendable {
  case int(Int64)
  case double(Double)
  case string(String)

  /// The exact text used in trial ids, placeholders, `SWEEP_PARAM_*` and exports.
  /// Integers print as integers, doubles in Swift's shortest round-trip form (`1e-05`, `0.3`),
  /// so the same value always yields the same text.
  public var canonical: String {
    switch self {
    case .int(let value): String(value)
    case .double(let value): value.description
    case .string(let value): value
    }
  }

  /// The value as a number, when it is one.
  public var numeric: Double? {
    switch self {
    case .int(let value): Double(value)
    case .double(let value): value
    case .string: nil
    }
  }
}

extension ParameterValue: CustomStringConvertible {
  public var description: String { canonical }
}

extension ParameterValue: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let int = try? container.decode(Int64.self) {
      self = .int(int)
    } else if let double = try? container.decode(Double.self) {
      self = .double(double)
    } else {
      self = .string(try container.decode(String.self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    }
  }
}
