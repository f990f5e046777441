extension SpecDecoder {
  /// What `space:` declared: the parameters when every one decoded, and the names of all that
  /// are well named even when their definition has a problem — so that `command`, `stages` and
  /// `early_stopping` are still checked against them in the same pass.
  struct DeclaredSpace {
    var parameters: [Parameter]?
    var names: [String]
  }

  /// Decodes `space:`, a mapping from parameter name to its definition.
  mutating func space(_ node: DocumentNode) -> DeclaredSpace? {
    guard let table = table(node, path: "space", allowed: nil, what: "the search space (parameter name → definition)")
    else {
      return nil
    }
    guard !table.order.isEmpty else {
      report(node, "space", "the space is empty; expected at least one parameter, e.g. rank: {values: [8, 16]}")
      return nil
    }
    var names: [String] = []
    var parameters: [Parameter] = []
    var ok = true
    for name in table.order {
      guard let entry = table.entries[name] else { continue }
      let path = "space.\(name)"
      if !Identifier.isParameterName(name) {
        report(
          at: entry.key.position, path,
          "\(Identifier.quoted(name)) is not a parameter name; expected lowercase letters, digits and '_', starting with a letter or '_' (at most \(Identifier.maxLength))"
        )
        ok = false
        continue
      }
      if SweepSpec.reservedNames.contains(name) {
        report(at: entry.key.position, path, "'\(name)' is a column of every result; name the parameter something else")
        ok = false
        continue
      }
      names.append(name)
      if let kind = parameterKind(entry.value, path) {
        parameters.append(Parameter(name: name, kind: kind))
      } else {
        ok = false
      }
    }
    return DeclaredSpace(parameters: ok ? parameters : nil, names: names)
  }

  /// One parameter: `{values: [...]}`, `{int: [lo, hi], step, log, grid_points}`,
  /// `{uniform: [lo, hi]}`, `{log_uniform: [lo, hi]}`, `{value: x}`; a bare list is `values`,
  /// a bare scalar is `value`.
  mutating func parameterKind(_ node: DocumentNode, _ path: String) -> ParameterKind? {
    switch node {
    case .sequence:
      return valuesKind(node, path)
    case .scalar:
      return parameterValue(node, path).map(ParameterKind.fixed)
    case .mapping:
      break
    }
    guard
      let table = table(
        node, path: path, allowed: Self.parameterKindKeys + Self.parameterModifierKeys, what: "a parameter definition")
    else { return nil }
    let kinds = table.order.filter { Self.parameterKindKeys.contains($0) }
    guard kinds.count == 1, let kindKey = kinds.first, let body = table[kindKey] else {
      if kinds.isEmpty {
        if table.hadKeyProblems { return nil }
        report(node, path, "no kind given; expected exactly one of values, int, uniform, log_uniform, value")
      } else {
        report(node, path, "several kinds given (\(kinds.joined(separator: ", "))); expected exactly one")
      }
      return nil
    }
    let kindPath = "\(path).\(kindKey)"
    for modifier in ["step", "log"] where table[modifier] != nil && kindKey != "int" {
      report(table[modifier], "\(path).\(modifier)", "applies to int ranges only")
    }
    if let node = table["grid_points"], kindKey == "values" || kindKey == "value" {
      report(node, "\(path).grid_points", "applies to int, uniform and log_uniform ranges only")
    }
    var gridPoints: Int? = nil
    if let node = table["grid_points"], let value = integer(node, "\(path).grid_points", in: 1...1_000_000) {
      gridPoints = Int(value)
    }
    switch kindKey {
    case "values": return valuesKind(body, kindPath)
    case "value": return parameterValue(body, kindPath).map(ParameterKind.fixed)
    case "int": return integerKind(body, kindPath, table: table, path: path, gridPoints: gridPoints)
    default:
      let isLog = kindKey == "log_uniform"
      guard let (lower, upper) = realRange(body, kindPath) else { return nil }
      if isLog && lower <= 0 {
        report(
          body, kindPath,
          "a log range must stay above 0, but its lower bound is \(lower); use uniform, or a lower bound > 0 such as 1e-6"
        )
        return nil
      }
      return isLog
        ? .logUniform(lower: lower, upper: upper, gridPoints: gridPoints)
        : .uniform(lower: lower, upper: upper, gridPoints: gridPoints)
    }
  }

  mutating func valuesKind(_ node: DocumentNode, _ path: String) -> ParameterKind? {
    guard let items = list(node, path, expected: "a list of values") else { return nil }
    guard !items.isEmpty else {
      report(node, path, "the list is empty; expected at least one value")
      return nil
    }
    var values: [ParameterValue] = []
    var seen: [String: Int] = [:]
    var ok = true
    for (index, item) in items.enumerated() {
      guard let value = parameterValue(item, "\(path)[\(index)]") else {
        ok = false
        continue
      }
      if let first = seen[value.canonical] {
        report(item, "\(path)[\(index)]", "\(value.canonical) repeats \(path)[\(first)]; list each value once")
        ok = false
        continue
      }
      seen[value.canonical] = index
      values.append(value)
    }
    return ok ? .values(values) : nil
  }

  mutating func integerKind(
    _ body: DocumentNode, _ path: String, table: SpecTable, path parent: String, gridPoints: Int?
  )
    -> ParameterKind?
  {
    var step: Int64 = 1
    if let node = table["step"], let value = integer(node, "\(parent).step", in: 1...Int64.max) { step = value }
    var log = false
    if let node = table["log"], let value = boolean(node, "\(parent).log") { log = value }
    guard let items = pair(body, path, expected: "[lo, hi], two integers") else { return nil }
    let bound: ClosedRange<Int64> = -1_000_000_000_000_000...1_000_000_000_000_000
    let lower = integer(items.0, "\(path)[0]", in: bound)
    let upper = integer(items.1, "\(path)[1]", in: bound)
    guard let lower, let upper else { return nil }
    guard lower < upper else {
      report(
        body, path,
        lower == upper
          ? "the range [\(lower), \(upper)] holds a single value; use value: \(lower)"
          : "lo (\(lower)) is greater than hi (\(upper)); expected [lo, hi] with lo < hi")
      return nil
    }
    if log && lower <= 0 {
      report(body, path, "a log range must stay above 0, but it starts at \(lower); start at 1 or drop log: true")
      return nil
    }
    if step > upper - lower {
      report(
        table["step"], "\(parent).step",
        "step \(step) is wider than the range [\(lower), \(upper)]; expected at most \(upper - lower)")
      return nil
    }
    return .integer(lower: lower, upper: upper, step: step, log: log, gridPoints: gridPoints)
  }

  mutating func realRange(_ body: DocumentNode, _ path: String) -> (Double, Double)? {
    guard let items = pair(body, path, expected: "[lo, hi], two numbers") else { return nil }
    let lower = number(items.0, "\(path)[0]")
    let upper = number(items.1, "\(path)[1]")
    guard let lower, let upper else { return nil }
    guard lower < upper else {
      report(
        body, path,
        lower == upper
          ? "the range [\(lower), \(upper)] is empty; use value: \(lower) for a fixed value"
          : "lo (\(lower)) is greater than hi (\(upper)); expected [lo, hi] with lo < hi")
      return nil
    }
    return (lower, upper)
  }

  mutating func pair(_ node: DocumentNode, _ path: String, expected: String) -> (DocumentNode, DocumentNode)? {
    guard let items = list(node, path, expected: expected) else { return nil }
    guard items.count == 2 else {
      report(node, path, "found \(items.count) item\(items.count == 1 ? "" : "s"); expected \(expected)")
      return nil
    }
    return (items[0], items[1])
  }
}
