import Foundation
import Shared

/// Encodings of the JSON columns.
enum StoredJSON {
  /// Parameters keep their exact type: `[["rank","i","16"],["wd","d","1e-05"]]`.
  static func encodeParams(_ params: [(name: String, value: ParameterValue)]) -> String {
    JSONValue.array(
      params.map { param in
        let kind: String
        switch param.value {
        case .int: kind = "i"
        case .double: kind = "d"
        case .string: kind = "s"
        }
        return .array([.string(param.name), .string(kind), .string(param.value.canonical)])
      }
    ).serialized()
  }

  static func decodeParams(_ text: String) throws -> [(name: String, value: ParameterValue)] {
    let triples = try StringArrayParser.parse(text) ?? JSONDecoder().decode([[String]].self, from: Data(text.utf8))
    return try triples.map { triple in
      guard triple.count == 3 else { throw StoreError.corrupt("params: \(text)") }
      let value: ParameterValue
      switch triple[1] {
      case "i": value = .int(Int64(triple[2]) ?? 0)
      case "d": value = .double(Double(triple[2]) ?? .nan)
      default: value = .string(triple[2])
      }
      return (name: triple[0], value: value)
    }
  }

  static func encodeStrings(_ strings: [String]) -> String {
    JSONValue.array(strings.map(JSONValue.string)).serialized()
  }

  static func decodeStrings(_ text: String) throws -> [String] {
    try JSONDecoder().decode([String].self, from: Data(text.utf8))
  }

  static func encodeMetrics(_ metrics: [String: Double]) -> String {
    JSONValue.object(metrics.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) }).serialized()
  }

  static func decodeMetrics(_ text: String) throws -> [String: Double] {
    try JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
  }

  static func encodeLabels(_ labels: [String: String]) -> String {
    JSONValue.object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized()
  }

  static func decodeLabels(_ text: String) throws -> [String: String] {
    // Most workers have no labels, and this runs for every authenticated request.
    if text == "{}" { return [:] }
    return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
  }
}

extension StoredJSON {
  /// A small Codable value kept in one column (e.g. a sweep's ``FailureWatch``).
  static func encode<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
  }

  static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    do {
      return try JSONDecoder().decode(type, from: Data(text.utf8))
    } catch {
      throw StoreError.corrupt("\(type): \(text)")
    }
  }
}
