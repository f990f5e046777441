extension SpecDecoder {
  /// `deadline: 4h` (after `sweep fleet up` starts) or `deadline: 2026-12-03T18:00:00Z`.
  mutating func fleetDeadline(_ node: DocumentNode) -> FleetDeadline? {
    guard let text = string(node, "deadline") else { return nil }
    if let duration = DurationText.parse(text), duration > .zero { return .after(duration) }
    if let time = Timestamp(iso8601: text) { return .at(time) }
    report(
      node, "deadline",
      "expected a duration from the start such as 4h, or a time such as 2026-12-03T18:00:00Z, got '\(text)'")
    return nil
  }

  /// A group's `provider`, `up`, `down`, `gpu`, `image` and `boot_time`: what `sweep fleet up`
  /// needs to start and stop its boxes. Checked here so that a fleet is refused before anything
  /// is rented.
  mutating func fleetProvider(_ table: SpecTable, node: DocumentNode, path: String, into group: inout FleetGroup) {
    func key(_ name: String) -> String { "\(path).\(name)" }
    let managedKeys = ["up", "down", "gpu", "image", "boot_time"]
    guard let providerNode = table["provider"], let text = string(providerNode, key("provider")) else {
      for name in managedKeys where table[name] != nil {
        report(
          table[name]!, key(name),
          "only a group with a provider is started by sweep fleet up; add provider: local, runpod, vastai, skypilot or command"
        )
      }
      return
    }
    guard let provider = FleetProvider(rawValue: text) else {
      let names = FleetProvider.allCases.map(\.rawValue)
      let hint = Identifier.suggestion(for: text, among: names).map { "; did you mean '\($0)'?" } ?? ""
      report(
        providerNode, key("provider"),
        "unknown provider '\(text)'\(hint); expected one of \(names.joined(separator: ", "))")
      return
    }
    group.provider = provider
    if !group.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
      report(
        table["name"] ?? node, key("name"),
        "a group that sweep fleet up starts names its boxes after it: use letters, digits, '-' and '_' only")
    }
    // Values that go into shell commands inside single quotes: no quote, no $, no backslash.
    func safeValue(_ name: String) -> String? {
      guard let valueNode = table[name], let value = string(valueNode, key(name)) else { return nil }
      guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " ._:/@+-".contains($0)) })
      else {
        report(valueNode, key(name), "expected letters, digits, spaces and . _ : / @ + - only, got '\(value)'")
        return nil
      }
      return value
    }
    group.gpu = safeValue("gpu")
    group.image = safeValue("image")
    group.bootTime = provider.defaultBootTime
    if let bootNode = table["boot_time"], let bootText = string(bootNode, key("boot_time")) {
      if let value = DurationText.parse(bootText) {
        group.bootTime = value
      } else {
        report(bootNode, key("boot_time"), "expected a duration such as 3m, got '\(bootText)'")
      }
    }
    if provider == .local {
      for name in ["up", "down", "gpu", "image"] where table[name] != nil {
        report(
          table[name]!, key(name),
          "the local provider starts sweep-worker on this machine itself; drop \(name), or use provider: command")
      }
      return
    }
    func template(_ name: String, default fallback: String?, allowed: [String]) -> String? {
      var text = fallback
      var at = node
      if let templateNode = table[name] {
        at = templateNode
        text = string(templateNode, key(name))
        if text?.allSatisfy(\.isWhitespace) == true {
          report(templateNode, key(name), "expected a shell command, got an empty one")
          return nil
        }
      }
      guard let text else {
        if table[name] == nil {
          report(
            node, key(name),
            "missing; provider: command needs the shell command that \(name == "up" ? "starts one box and prints its id last" : "stops the box {id}")"
          )
        }
        return nil
      }
      for placeholder in Set(FleetProvider.placeholders(in: text)).sorted() {
        if !allowed.contains(placeholder) {
          let hint = Identifier.suggestion(for: placeholder, among: allowed).map { "; did you mean '{\($0)}'?" } ?? ""
          report(
            at, key(name),
            "unknown placeholder {\(placeholder)}\(hint); expected \(allowed.map { "{\($0)}" }.joined(separator: ", "))"
          )
        } else if placeholder == "gpu", group.gpu == nil, table["gpu"] == nil {
          report(
            node, key("gpu"), "missing; the \(name) command rents a GPU by type, e.g. gpu: 'NVIDIA GeForce RTX 3090'")
        } else if placeholder == "image", group.image == nil, table["image"] == nil {
          report(
            node, key("image"),
            "missing; the \(name) command starts a container image, e.g. the one `sweep deploy docker` builds")
        }
      }
      return text
    }
    group.upCommand = template("up", default: provider.defaultUp, allowed: FleetProvider.upPlaceholders)
    group.downCommand = template("down", default: provider.defaultDown, allowed: FleetProvider.upPlaceholders + ["id"])
  }
}
