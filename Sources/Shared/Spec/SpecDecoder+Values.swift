/// A mapping's entries by key, with the position of each key, after unknown and repeated keys were reported.
struct SpecTable {
  var node: DocumentNode
  var path: String
  var entries: [String: DocumentEntry]
  /// Keys in the order written.
  var order: [String]
  /// Whether unknown or repeated keys were reported (later checks then stay quiet about the mapping).
  var hadKeyProblems = false

  subscript(key: String) -> DocumentNode? { entries[key]?.value }

  func path(_ key: String) -> String { path.isEmpty || path == "spec" ? key : "\(path).\(key)" }
}

extension SpecDecoder {
  /// Reads a mapping, reporting keys outside `allowed` (with a did-you-mean) and repeated keys.
  mutating func table(_ node: DocumentNode, path: String, allowed: [String]?, what: String) -> SpecTable? {
    guard case .mapping(let entries, _) = node else {
      report(node, path, "expected \(what) (a mapping of keys), found \(node.kindDescription)")
      return nil
    }
    var table = SpecTable(node: node, path: path, entries: [:], order: [])
    for entry in entries {
      let key = entry.key.text
      if let earlier = table.entries[key] {
        report(
          at: entry.key.position, table.path(key),
          "the key appears twice (first at line \(earlier.key.position.line)); keep one")
        table.hadKeyProblems = true
        continue
      }
      if let allowed, !allowed.contains(key) {
        var message = "unknown key \(Identifier.quoted(key))"
        if let guess = Identifier.suggestion(for: key, among: allowed) {
          message += "; did you mean '\(guess)'?"
        } else {
          message += "; expected one of \(allowed.joined(separator: ", "))"
        }
        report(at: entry.key.position, table.path(key), message)
        table.hadKeyProblems = true
        continue
      }
      table.entries[key] = entry
      table.order.append(key)
    }
    return table
  }

  /// A scalar, or a report that something else was found.
  mutating func scalar(_ node: DocumentNode, _ path: String, expected: String) -> DocumentScalar? {
    guard case .scalar(let scalar) = node, !scalar.isNull else {
      report(node, path, "expected \(expected), found \(node.kindDescription)")
      return nil
    }
    return scalar
  }

  mutating func string(_ node: DocumentNode, _ path: String, expected: String = "a string") -> String? {
    scalar(node, path, expected: expected)?.text
  }

  /// An integer in `range`. Quoted numbers are refused: a quoted value is text.
  mutating func integer(_ node: DocumentNode, _ path: String, in range: ClosedRange<Int64>) -> Int64? {
    let expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
    guard let scalar = scalar(node, path, expected: expected) else { return nil }
    guard !scalar.quoted else {
      report(node, path, "expected \(expected), found the string \(Identifier.quoted(scalar.text)); remove the quotes")
      return nil
    }
    let text = scalar.text.replacingUnderscores()
    guard let value = Int64(text) else {
      if let double = Double(text), double.isFinite, double == double.rounded(), abs(double) < 9.2e18 {
        let value = Int64(double)
        if range.contains(value) { return value }
      }
      if Double(text) != nil || text.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) {
        report(node, path, "\(Identifier.quoted(scalar.text)) is not \(expected)")
      } else {
        report(node, path, "expected \(expected), found \(Identifier.quoted(scalar.text))")
      }
      return nil
    }
    guard range.contains(value) else {
      report(node, path, "\(value) is out of range; expected \(expected)")
      return nil
    }
    return value
  }

  /// A finite number.
  mutating func number(_ node: DocumentNode, _ path: String, expected: String = "a number") -> Double? {
    guard let scalar = scalar(node, path, expected: expected) else { return nil }
    guard !scalar.quoted else {
      report(node, path, "expected \(expected), found the string \(Identifier.quoted(scalar.text)); remove the quotes")
      return nil
    }
    let text = scalar.text.replacingUnderscores()
    let lowered = text.lowercased()
    if ["nan", ".nan", "inf", "-inf", "+inf", ".inf", "-.inf", "+.inf", "infinity", "-infinity"].contains(lowered) {
      report(node, path, "\(Identifier.quoted(scalar.text)) is not a finite number; expected \(expected)")
      return nil
    }
    guard let value = Double(text) else {
      report(node, path, "expected \(expected), found \(Identifier.quoted(scalar.text))")
      return nil
    }
    guard value.isFinite else {
      report(node, path, "\(Identifier.quoted(scalar.text)) is too large to be a finite number; expected \(expected)")
      return nil
    }
    return value
  }

  mutating func boolean(_ node: DocumentNode, _ path: String) -> Bool? {
    guard let scalar = scalar(node, path, expected: "true or false") else { return nil }
    switch scalar.quoted ? "" : scalar.text.lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    default:
      report(node, path, "expected true or false, found \(Identifier.quoted(scalar.text))")
      return nil
    }
  }

  /// A list, or a report that something else was found.
  mutating func list(_ node: DocumentNode, _ path: String, expected: String) -> [DocumentNode]? {
    guard case .sequence(let items, _) = node else {
      report(node, path, "expected \(expected), found \(node.kindDescription)")
      return nil
    }
    return items
  }

  /// A parameter value from a scalar: plain numbers become numbers, everything else a string.
  mutating func parameterValue(_ node: DocumentNode, _ path: String) -> ParameterValue? {
    guard let scalar = scalar(node, path, expected: "a number or a string") else { return nil }
    if scalar.quoted { return .string(scalar.text) }
    let text = scalar.text.replacingUnderscores()
    if let int = Int64(text) { return .int(int) }
    if let double = Double(text), text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true {
      guard double.isFinite else {
        report(node, path, "\(Identifier.quoted(scalar.text)) is not a finite number")
        return nil
      }
      return .double(double)
    }
    let lowered = text.lowercased()
    if ["nan", ".nan", ".inf", "-.inf", "+.inf"].contains(lowered) {
      report(node, path, "\(Identifier.quoted(scalar.text)) is not a finite number")
      return nil
    }
    if scalar.text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
      report(node, path, "the value contains control characters; expected printable text")
      return nil
    }
    return .string(scalar.text)
  }
}

extension String {
  /// YAML allows `1_000_000`; so do we, for integers and decimals alike.
  func replacingUnderscores() -> String {
    guard contains("_") else { return self }
    let digitsAround = unicodeScalars.allSatisfy { ($0 >= "0" && $0 <= "9") || "_.-+eE".unicodeScalars.contains($0) }
    return digitsAround ? String(filter { $0 != "_" }) : self
  }
}
