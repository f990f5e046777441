/// Why a fleet file was refused: every problem, each with its place.
public struct FleetValidationError: Error, Sendable, CustomStringConvertible {
  public var file: String
  public var diagnostics: [SpecDiagnostic]
  public init(file: String, diagnostics: [SpecDiagnostic]) {
    self.file = file
    self.diagnostics = diagnostics
  }
  public var description: String {
    diagnostics.map { "\(file):\($0.position.map { "\($0):" } ?? "") \($0.path): \($0.message)" }.joined(
      separator: "\n")
  }
}

extension SpecDecoder {
  static let fleetKeys = [
    "name", "groups", "duration_spread", "seed", "max_idle", "replace_preempted_after", "api_options", "subscriptions",
    "deadline", "replan_every",
  ]
  static let apiOptionKeys = [
    "name", "usd_per_trial", "usd_per_1k_tokens", "tokens_per_trial", "parallel", "time_per_job",
  ]
  static let subscriptionKeys = ["name", "usd", "period", "count", "speed", "trial_duration"]
  static let fleetGroupKeys = [
    "name", "count", "hourly_cost_usd", "speed", "trial_duration", "preemption_per_hour", "failure_rate",
    "provider", "up", "down", "gpu", "image", "boot_time",
  ]

  /// Validates a fleet document (`sweep simulate --fleet`, `sweep plan --fleet`).
  public static func decodeFleet(document root: DocumentNode, file: String) throws(FleetValidationError) -> FleetSpec {
    var decoder = SpecDecoder()
    let fleet = decoder.fleet(root)
    if let fleet, decoder.diagnostics.isEmpty { return fleet }
    throw FleetValidationError(file: file, diagnostics: decoder.diagnostics)
  }

  mutating func fleet(_ root: DocumentNode) -> FleetSpec? {
    guard let table = table(root, path: "fleet", allowed: Self.fleetKeys, what: "a fleet") else { return nil }
    let name = table["name"].flatMap { string($0, "name") } ?? "fleet"
    var spread = 0.2
    if let node = table["duration_spread"], let value = number(node, "duration_spread") {
      if value < 0 || value > 3 {
        report(node, "duration_spread", "expected a log-normal sigma from 0 to 3, got \(value)")
      } else {
        spread = value
      }
    }
    let seed = table["seed"].flatMap { integer($0, "seed", in: 0...Int64.max) }.map { UInt64($0) } ?? 1
    var maxIdle = Duration.seconds(600)
    if let node = table["max_idle"], let text = string(node, "max_idle") {
      if let value = DurationText.parse(text) {
        maxIdle = value
      } else {
        report(node, "max_idle", "expected a duration such as 10m or 90s, got '\(text)'")
      }
    }
    var replacement: Duration? = .seconds(300)
    if let node = table["replace_preempted_after"], let text = string(node, "replace_preempted_after") {
      if text == "never" {
        replacement = nil
      } else if let value = DurationText.parse(text) {
        replacement = value
      } else {
        report(node, "replace_preempted_after", "expected a duration such as 5m, or never, got '\(text)'")
      }
    }
    guard let groupsNode = table["groups"] else {
      report(root, "groups", "missing; list the machines, e.g. groups: [{name: laptop, count: 1, hourly_cost_usd: 0}]")
      return nil
    }
    guard let items = list(groupsNode, "groups", expected: "a list of machine groups") else { return nil }
    if items.isEmpty { report(groupsNode, "groups", "expected at least one group of machines") }
    var groups: [FleetGroup] = []
    var names: Set<String> = []
    for (index, item) in items.enumerated() {
      let path = "groups[\(index)]"
      guard let group = fleetGroup(item, path: path) else { continue }
      if !names.insert(group.name).inserted {
        report(item, path + ".name", "the group name '\(group.name)' is used twice; names must be unique")
      }
      groups.append(group)
    }
    var fleet = FleetSpec(
      name: name, groups: groups, durationSpread: spread, seed: seed, maxIdle: maxIdle, replacementDelay: replacement)
    fleet.deadline = table["deadline"].flatMap { fleetDeadline($0) }
    if let node = table["replan_every"], let text = string(node, "replan_every") {
      if let value = DurationText.parse(text), value >= .seconds(1) {
        fleet.replanEvery = value
      } else {
        report(node, "replan_every", "expected a duration of at least 1s, such as 5m, got '\(text)'")
      }
    }
    // Option names share one namespace with the groups: they are the rows of `sweep plan`.
    var optionNames = names
    func unique(_ name: String, _ item: DocumentNode, _ path: String) {
      if !optionNames.insert(name).inserted {
        report(item, path + ".name", "the name '\(name)' is used twice; names must be unique")
      }
    }
    if let node = table["api_options"], let items = list(node, "api_options", expected: "a list of API options") {
      for (index, item) in items.enumerated() {
        guard let option = apiOption(item, path: "api_options[\(index)]") else { continue }
        unique(option.name, item, "api_options[\(index)]")
        fleet.apiOptions.append(option)
      }
    }
    if let node = table["subscriptions"], let items = list(node, "subscriptions", expected: "a list of subscriptions") {
      for (index, item) in items.enumerated() {
        guard let option = subscription(item, path: "subscriptions[\(index)]") else { continue }
        unique(option.name, item, "subscriptions[\(index)]")
        fleet.subscriptions.append(option)
      }
    }
    return fleet
  }

  /// `{name, usd_per_trial | usd_per_1k_tokens + tokens_per_trial, parallel, time_per_job}`.
  mutating func apiOption(_ node: DocumentNode, path: String) -> APIOption? {
    guard let table = table(node, path: path, allowed: Self.apiOptionKeys, what: "an API option") else { return nil }
    func key(_ name: String) -> String { "\(path).\(name)" }
    guard let nameNode = table["name"], let name = string(nameNode, key("name")) else {
      if table["name"] == nil { report(node, key("name"), "missing; name the option, e.g. name: openai-fine-tuning") }
      return nil
    }
    let pricing = price(table, node: node, path: path, perTrialKey: "usd_per_trial", required: true)
    let parallel = table["parallel"].flatMap { integer($0, key("parallel"), in: 1...100_000) }.map(Int.init) ?? 1
    let time = positiveDuration(table, "time_per_job", path, example: "30m or 2h")
    if table["time_per_job"] == nil {
      report(node, key("time_per_job"), "missing; how long one job takes, queueing included, e.g. 45m")
    }
    guard let pricing, let time else { return nil }
    return APIOption(name: name, pricing: pricing, parallel: parallel, timePerJob: time)
  }

  /// `{name, usd, period: day|week|month, count, speed, trial_duration}`.
  mutating func subscription(_ node: DocumentNode, path: String) -> SubscriptionOption? {
    guard let table = table(node, path: path, allowed: Self.subscriptionKeys, what: "a subscription") else {
      return nil
    }
    func key(_ name: String) -> String { "\(path).\(name)" }
    guard let nameNode = table["name"], let name = string(nameNode, key("name")) else {
      if table["name"] == nil { report(node, key("name"), "missing; name the subscription, e.g. name: colab-pro") }
      return nil
    }
    var fee: MicroDollars? = nil
    if let feeNode = table["usd"] {
      fee = money(feeNode, key("usd"))
    } else {
      report(node, key("usd"), "missing; the fee per period, e.g. usd: 10")
    }
    var period = SubscriptionOption.periods[2]
    if let periodNode = table["period"], let text = string(periodNode, key("period")) {
      if let known = SubscriptionOption.periods.first(where: { $0.name == text }) {
        period = known
      } else {
        report(periodNode, key("period"), "expected day, week or month, got '\(text)'")
      }
    }
    let count = table["count"].flatMap { integer($0, key("count"), in: 1...10_000) }.map(Int.init) ?? 1
    let speed = machineSpeed(table, path)
    let trialDuration = positiveDuration(table, "trial_duration", path, example: "4m or 750ms")
    guard let fee else { return nil }
    return SubscriptionOption(
      name: name, fee: fee, period: period.length, periodName: period.name, count: count, speed: speed,
      trialDuration: trialDuration)
  }

  mutating func fleetGroup(_ node: DocumentNode, path: String) -> FleetGroup? {
    guard let table = table(node, path: path, allowed: Self.fleetGroupKeys, what: "a machine group") else {
      return nil
    }
    func key(_ name: String) -> String { "\(path).\(name)" }
    guard let nameNode = table["name"], let name = string(nameNode, key("name")) else {
      if table["name"] == nil { report(node, key("name"), "missing; name the group, e.g. name: rtx3090") }
      return nil
    }
    let count = table["count"].flatMap { integer($0, key("count"), in: 1...100_000) }.map(Int.init) ?? 1
    var rate = HourlyRate(microDollarsPerHour: 0)
    if let costNode = table["hourly_cost_usd"], let amount = money(costNode, key("hourly_cost_usd")) {
      rate = HourlyRate(perHour: amount)
    } else if table["hourly_cost_usd"] == nil {
      report(node, key("hourly_cost_usd"), "missing; say what an hour of this machine costs (0 for a free laptop)")
    }
    let speed = machineSpeed(table, path)
    let trialDuration = positiveDuration(table, "trial_duration", path, example: "4m or 750ms")
    func probability(_ name: String, upTo limit: Double) -> Double {
      guard let valueNode = table[name], let value = number(valueNode, key(name)) else { return 0 }
      guard value >= 0 && value <= limit else {
        report(valueNode, key(name), "expected a number from 0 to \(limit), got \(value)")
        return 0
      }
      return value
    }
    var group = FleetGroup(
      name: name, count: count, hourlyRate: rate, speed: speed, trialDuration: trialDuration,
      preemptionPerHour: probability("preemption_per_hour", upTo: 60), failureRate: probability("failure_rate", upTo: 1)
    )
    fleetProvider(table, node: node, path: path, into: &group)
    return group
  }

  /// A machine's `speed` relative to the spec's estimate: above 0, at most 1000; 1 when absent.
  mutating func machineSpeed(_ table: SpecTable, _ path: String) -> Double {
    guard let node = table["speed"], let value = number(node, "\(path).speed") else { return 1 }
    guard value > 0 && value <= 1000 else {
      report(node, "\(path).speed", "expected a speed above 0 (1 = the spec's estimate), got \(value)")
      return 1
    }
    return value
  }

  /// A positive duration under `name`; `nil` when absent, or wrong (then reported).
  mutating func positiveDuration(_ table: SpecTable, _ name: String, _ path: String, example: String) -> Duration? {
    guard let node = table[name], let text = string(node, "\(path).\(name)") else { return nil }
    guard let value = DurationText.parse(text), value > .zero else {
      report(node, "\(path).\(name)", "expected a duration such as \(example), got '\(text)'")
      return nil
    }
    return value
  }
}
