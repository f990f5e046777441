/// A JSON value whose objects keep their key order, for output people read and diff
/// (`sweep sample`, `results.jsonl`), written without Foundation.
public indirect enum JSONValue: Hashable, Sendable {
  case null
  case bool(Bool)
  case int(Int64)
  /// Non-finite doubles are written as `null`: JSON has no NaN or infinity.
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }
  public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

  /// Compact JSON text on one line.
  public func serialized() -> String {
    var out = ""
    write(to: &out)
    return out
  }

  /// Appends compact JSON text to `out`.
  public func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value): out += value.isFinite ? value.description : "null"
    case .string(let value): JSONValue.writeString(value, to: &out)
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let entries):
      out += "{"
      for (index, (key, value)) in entries.enumerated() {
        if index > 0 { out += "," }
        JSONValue.writeString(key, to: &out)
        out += ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }

  static func writeString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}

extension ParameterValue {
  /// The value as JSON: numbers stay numbers.
  public var json: JSONValue {
    switch self {
    case .int(let value): .int(value)
    case .double(let value): .double(value)
    case .string(let value): .string(value)
    }
  }
}

extension Trial {
  /// `{"domain", "trial_id", "params": {...}, "argv": [...]}` — the `sweep sample` line. The
  /// output folder exists only on a worker, so `{output_dir}` is shown as written.
  public var json: JSONValue {
    .object([
      ("domain", .string(domain)),
      ("trial_id", .string(id)),
      ("params", .object(params.map { ($0.name, $0.value.json) })),
      (
        "argv",
        .array(argv.map { .string($0.replacing(CommandTemplate.outputDirectoryMarker, with: "{output_dir}")) })
      ),
    ])
  }
}
