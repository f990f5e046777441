extension SpecDecoder {
  /// Decodes the top level; returns `nil` only when a required part is missing or unusable.
  mutating func spec(_ root: DocumentNode) -> SweepSpec? {
    guard let table = table(root, path: "spec", allowed: Self.topLevelKeys, what: "a sweep spec") else { return nil }

    let name = required(table, "name", "the sweep's name").flatMap { node -> String? in
      guard let text = string(node, "name") else { return nil }
      guard Identifier.isSweepName(text) else {
        report(
          node, "name",
          "\(Identifier.quoted(text)) is not a valid name; expected 1–\(Identifier.maxLength) letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
        return nil
      }
      return text
    }

    var budget = MicroDollars.zero
    if let node = table["budget_usd"], let amount = money(node, "budget_usd") { budget = amount }

    var objective = Objective(metric: "accuracy", goal: .maximize)
    if let node = table["objective"], let decoded = self.objective(node) { objective = decoded }

    let declaredDomains = required(table, "domains", "the list of domains").flatMap { domainList($0) }
    let domains = declaredDomains?.domains

    var seed: UInt64 = 0
    if let node = table["seed"] { seed = unsignedSeed(node) ?? 0 }

    var sampler = SamplerKind.lhs
    if let node = table["sampler"], let text = string(node, "sampler") {
      if let kind = SamplerKind(rawValue: text) {
        sampler = kind
      } else {
        let names = SamplerKind.allCases.map(\.rawValue)
        let hint = Identifier.suggestion(for: text, among: names).map { "; did you mean '\($0)'?" } ?? ""
        report(
          node, "sampler",
          "unknown sampler \(Identifier.quoted(text))\(hint); expected one of \(names.joined(separator: ", "))")
      }
    }

    var maxTrials = SweepSpec.defaultMaxTrials
    if let node = table["max_trials"], let value = integer(node, "max_trials", in: 1...100_000_000) {
      maxTrials = Int(value)
    }

    var trialsPerDomain: Int? = nil
    if let node = table["trials_per_domain"] {
      if sampler == .grid {
        report(
          node, "trials_per_domain",
          "applies to the random and lhs samplers only; the grid runs every combination (remove the key)")
      } else if let value = integer(node, "trials_per_domain", in: 1...Int64(maxTrials)) {
        trialsPerDomain = Int(value)
      }
    } else if sampler != .grid {
      report(
        table.node, "trials_per_domain",
        "missing; the \(sampler.rawValue) sampler needs the number of trials per domain, e.g. trials_per_domain: 20")
    }

    var shardSize = SweepSpec.defaultShardSize
    if let node = table["shard_size"], let value = integer(node, "shard_size", in: 1...10_000) {
      shardSize = Int(value)
    }

    var replicates = 1
    if let node = table["replicates"], let value = integer(node, "replicates", in: 1...100) {
      replicates = Int(value)
      if replicates > 1, sampler == .adaptive {
        report(
          node, "replicates",
          "the adaptive sampler models run-to-run noise itself and proposes one run at a time; use lhs or random with replicates"
        )
      }
    }

    var maxAttempts = SweepSpec.defaultMaxAttempts
    if let node = table["max_attempts"], let value = integer(node, "max_attempts", in: 1...100) {
      maxAttempts = Int(value)
    }

    var trialTimeout: Duration? = nil
    if let node = table["trial_timeout"] { trialTimeout = duration(node, "trial_timeout") }

    var estimate = Duration.seconds(SweepSpec.defaultMinutesPerTrial * 60)
    var trialPrice: TrialPrice? = nil
    if let node = table["estimate"] {
      let decoded = self.estimate(node)
      if let duration = decoded.duration { estimate = duration }
      trialPrice = decoded.price
      if let price = trialPrice?.perTrialAmount, price > budget {
        report(
          node, "estimate",
          "one trial is priced at \(price) but budget_usd is \(budget): no trial could run; raise budget_usd to what the trials may cost"
        )
      }
    }

    let declared = required(table, "space", "the search space").flatMap { self.space($0) }
    let space = declared?.parameters
    let names = declared?.names
    // With replicates anywhere, {seed} is each run's seed (unless a parameter is named seed).
    let replicated = max(replicates, table["stages"].flatMap { Self.stageReplicates($0) } ?? 1) > 1
    let command = required(table, "command", "the training command").flatMap {
      self.command(
        $0, parameters: Set(names ?? []), knowsParameters: names != nil, replicated: replicated)
    }

    if let names { checkObjective(objective, against: names, node: table["objective"]) }
    if replicated, let names {
      for name in ["replicate", "seed"] where names.contains(name) {
        report(
          table["replicates"], "replicates",
          "space has a parameter '\(name)', which replicates set on each run; rename the parameter or remove replicates"
        )
      }
    }
    if let space {
      checkSize(
        sampler: sampler, space: space, domainCount: declaredDomains?.names.count ?? 1,
        trialsPerDomain: trialsPerDomain, replicates: replicates, maxTrials: maxTrials, table: table)
    }

    var stages: [Stage] = []
    if let node = table["stages"], let names { stages = self.stages(node, parameters: names) ?? [] }
    if sampler == .adaptive, (stages.first?.replicates ?? 1) > 1, let node = table["stages"] {
      report(
        node, "stages[0].replicates",
        "the adaptive sampler's first stage runs each proposal once; replicate a later stage (its finalists)")
    }
    var earlyStopping: EarlyStopping? = nil
    if let node = table["early_stopping"], let names {
      earlyStopping = self.earlyStopping(node, objective: objective, parameters: names)
    }
    var transfer: Transfer? = nil
    if let node = table["transfer"], let names = declaredDomains?.names {
      transfer = self.transfer(node, domains: names, trialsPerDomain: trialsPerDomain, sampler: sampler)
    }
    var adaptive: AdaptiveSampling? = nil
    if sampler == .adaptive {
      adaptive = self.adaptive(table["adaptive"], trialsPerDomain: trialsPerDomain)
    } else if let node = table["adaptive"] {
      report(node, "adaptive", "applies to sampler: adaptive only; set sampler: adaptive or remove the key")
    }

    var workdir: String? = nil
    if let node = table["workdir"] { workdir = self.workdir(node) }
    var failureGuard: FailureGuard? = .default
    if let node = table["pause_on_failures"] { failureGuard = self.failureGuard(node) }
    var artifacts = ArtifactPolicy.default
    if let node = table["artifacts"] { artifacts = self.artifactPolicy(node) }

    guard let name, let domains, let space, let command else { return nil }
    var spec = SweepSpec(
      name: name, budget: budget, objective: objective, domains: domains, seed: seed, sampler: sampler,
      trialsPerDomain: trialsPerDomain, shardSize: shardSize, maxAttempts: maxAttempts, trialTimeout: trialTimeout,
      estimatedTrialDuration: estimate, command: command, space: space, maxTrials: maxTrials)
    spec.stages = stages
    spec.earlyStopping = earlyStopping
    spec.transfer = transfer
    spec.adaptive = adaptive
    spec.workdir = workdir
    spec.failureGuard = failureGuard
    spec.artifacts = artifacts
    spec.trialPrice = trialPrice
    spec.replicates = replicates
    return spec
  }

  /// `artifacts: {keep: best, top_k: 3, max_mb: 200}`, or `artifacts: none` / `all`.
  mutating func artifactPolicy(_ node: DocumentNode) -> ArtifactPolicy {
    var policy = ArtifactPolicy.default
    let modes = ArtifactPolicy.Keep.allCases.map(\.rawValue)
    if case .scalar(let scalar) = node, !scalar.isNull {
      guard let keep = ArtifactPolicy.Keep(rawValue: scalar.text) else {
        report(
          node, "artifacts",
          "expected \(modes.joined(separator: ", ")) or {keep, top_k, max_mb}, found \(Identifier.quoted(scalar.text))")
        return policy
      }
      policy.keep = keep
      return policy
    }
    guard
      let table = table(
        node, path: "artifacts", allowed: ["keep", "top_k", "max_mb"], what: "{keep: best, top_k: 3, max_mb: 200}")
    else { return policy }
    if let item = table["keep"], let text = string(item, "artifacts.keep") {
      if let keep = ArtifactPolicy.Keep(rawValue: text) {
        policy.keep = keep
      } else {
        report(item, "artifacts.keep", "expected \(modes.joined(separator: ", ")), found \(Identifier.quoted(text))")
      }
    }
    if let item = table["top_k"], let value = integer(item, "artifacts.top_k", in: 1...10_000) {
      policy.topK = Int(value)
      if policy.keep != .best, table["keep"] != nil {
        report(item, "artifacts.top_k", "applies to keep: best only")
      }
    }
    if let item = table["max_mb"], let value = integer(item, "artifacts.max_mb", in: 1...1_000_000) {
      policy.maxBytes = value << 20
    }
    return policy
  }

  /// `workdir:` a folder relative to the worker's `--workdir`, or absolute.
  mutating func workdir(_ node: DocumentNode) -> String? {
    guard let text = string(node, "workdir", expected: "a folder, relative to the worker's --workdir") else {
      return nil
    }
    guard !text.isEmpty, !text.unicodeScalars.contains("\u{0}"), text.utf8.count <= 4096 else {
      report(
        node, "workdir",
        "expected a folder such as 'training' or '/workspace/project', found \(Identifier.quoted(text))")
      return nil
    }
    return text
  }

  /// `pause_on_failures: {attempts: 5, within: 10s}`, or `off`.
  mutating func failureGuard(_ node: DocumentNode) -> FailureGuard? {
    if case .scalar(let scalar) = node, !scalar.quoted, ["off", "false", "no"].contains(scalar.text.lowercased()) {
      return nil
    }
    guard
      let table = table(
        node, path: "pause_on_failures", allowed: ["attempts", "within"],
        what: "{attempts: 5, within: 10s}, or off")
    else { return FailureGuard.default }
    var result = FailureGuard.default
    if let item = table["attempts"], let value = integer(item, "pause_on_failures.attempts", in: 1...10_000) {
      result.attempts = Int(value)
    }
    if let item = table["within"], let value = duration(item, "pause_on_failures.within") { result.within = value }
    return result
  }

  /// The most replicates any stage asks for, read loosely (the stages are decoded, with their
  /// errors, elsewhere): to know whether `replicate` and `seed` are taken.
  static func stageReplicates(_ node: DocumentNode) -> Int? {
    guard case .sequence(let items, _) = node else { return nil }
    return items.compactMap { item -> Int? in
      guard case .mapping(let entries, _) = item,
        let value = entries.first(where: { $0.key.text == "replicates" })?.value,
        case .scalar(let scalar) = value
      else { return nil }
      return Int(scalar.text)
    }.max()
  }

  mutating func required(_ table: SpecTable, _ key: String, _ what: String) -> DocumentNode? {
    guard let node = table[key] else {
      report(table.node, table.path(key), "missing; expected \(what)")
      return nil
    }
    return node
  }

  mutating func money(_ node: DocumentNode, _ path: String) -> MicroDollars? {
    guard let scalar = scalar(node, path, expected: "an amount in dollars such as 25 or 12.50") else { return nil }
    do {
      return try MicroDollars.parse(scalar.text.replacingUnderscores())
    } catch {
      report(node, path, error.message)
      return nil
    }
  }

  mutating func unsignedSeed(_ node: DocumentNode) -> UInt64? {
    guard let scalar = scalar(node, "seed", expected: "a non-negative integer") else { return nil }
    guard !scalar.quoted, let value = UInt64(scalar.text.replacingUnderscores()) else {
      report(
        node, "seed", "\(Identifier.quoted(scalar.text)) is not a seed; expected an integer from 0 to \(UInt64.max)")
      return nil
    }
    return value
  }

  mutating func duration(_ node: DocumentNode, _ path: String) -> Duration? {
    guard let scalar = scalar(node, path, expected: "a duration such as 90s, 25m or 2h") else { return nil }
    guard let value = DurationText.parse(scalar.text), value > .zero else {
      report(
        node, path,
        "\(Identifier.quoted(scalar.text)) is not a positive duration; expected a number of seconds or e.g. 90s, 25m, 2h, 1h30m"
      )
      return nil
    }
    return value
  }

  mutating func objective(_ node: DocumentNode) -> Objective? {
    guard let table = table(node, path: "objective", allowed: ["metric", "goal"], what: "the objective {metric, goal}")
    else {
      return nil
    }
    var metric: String? = nil
    if let node = required(table, "metric", "the name of the metric to optimise, e.g. accuracy"),
      let text = string(node, "objective.metric")
    {
      if !Identifier.isParameterName(text) {
        report(
          node, "objective.metric",
          "\(Identifier.quoted(text)) is not a metric name; expected lowercase letters, digits and '_'")
      } else if SweepSpec.reservedNames.contains(text) {
        report(node, "objective.metric", "'\(text)' is a column of every result; name the metric something else")
      } else {
        metric = text
      }
    }
    var goal = Objective.Goal.maximize
    if let node = table["goal"], let text = string(node, "objective.goal") {
      if let value = Objective.Goal(rawValue: text) {
        goal = value
      } else {
        let hint =
          Identifier.suggestion(for: text, among: ["maximize", "minimize"]).map { "; did you mean '\($0)'?" } ?? ""
        report(node, "objective.goal", "unknown goal \(Identifier.quoted(text))\(hint); expected maximize or minimize")
      }
    }
    return metric.map { Objective(metric: $0, goal: goal) }
  }

  /// The domains when every item is valid, and the valid ones either way, so that `transfer`
  /// is checked in the same pass as a bad domain.
  mutating func domainList(_ node: DocumentNode) -> (domains: [String]?, names: [String])? {
    guard let items = list(node, "domains", expected: "a list of domain names, e.g. [financial, legal]") else {
      return nil
    }
    guard !items.isEmpty else {
      report(node, "domains", "the list is empty; expected at least one domain")
      return nil
    }
    var seen: [String: SourcePosition] = [:]
    var domains: [String] = []
    var ok = true
    for (index, item) in items.enumerated() {
      let path = "domains[\(index)]"
      guard let text = string(item, path, expected: "a domain name") else {
        ok = false
        continue
      }
      guard Identifier.isDomainName(text) else {
        report(
          item, path,
          "\(Identifier.quoted(text)) is not a domain name; expected 1–\(Identifier.maxLength) letters, digits, '_' or '-', starting with a letter or digit"
        )
        ok = false
        continue
      }
      if let first = seen[text] {
        report(item, path, "duplicate domain '\(text)' (first at line \(first.line)); list each domain once")
        ok = false
        continue
      }
      seen[text] = item.position
      domains.append(text)
    }
    return (ok ? domains : nil, domains)
  }

  /// `{minutes_per_trial, cost_usd_per_trial | usd_per_1k_tokens + tokens_per_trial}`: the
  /// expected duration of one trial (25 minutes when only a price is given) and its price, if
  /// trials are priced per job.
  mutating func estimate(_ node: DocumentNode) -> (duration: Duration?, price: TrialPrice?) {
    guard
      let table = table(
        node, path: "estimate",
        allowed: ["minutes_per_trial", "cost_usd_per_trial", "usd_per_1k_tokens", "tokens_per_trial"],
        what: "the estimate {minutes_per_trial, cost_usd_per_trial}")
    else {
      return (nil, nil)
    }
    let priced = ["cost_usd_per_trial", "usd_per_1k_tokens", "tokens_per_trial"].contains { table[$0] != nil }
    let price =
      priced ? self.price(table, node: node, path: "estimate", perTrialKey: "cost_usd_per_trial", required: true) : nil
    guard let minutesNode = table["minutes_per_trial"] else {
      if !priced {
        report(node, "estimate.minutes_per_trial", "missing; expected the expected minutes of one trial, e.g. 25")
      }
      return (nil, price)
    }
    guard let minutes = number(minutesNode, "estimate.minutes_per_trial", expected: "minutes, a number > 0") else {
      return (nil, price)
    }
    guard minutes > 0, minutes <= 1_000_000 else {
      report(
        minutesNode, "estimate.minutes_per_trial",
        "\(minutes) is out of range; expected minutes greater than 0 and at most 1000000")
      return (nil, price)
    }
    return (.milliseconds(Int64((minutes * 60_000).rounded())), price)
  }

  /// A price per job: `PERTRIALKEY` dollars, or `usd_per_1k_tokens` with `tokens_per_trial`
  /// (one or the other). Shared by a sweep's `estimate` and a fleet's API options.
  mutating func price(
    _ table: SpecTable, node: DocumentNode, path: String, perTrialKey: String, required: Bool
  ) -> TrialPrice? {
    func key(_ name: String) -> String { "\(path).\(name)" }
    switch (table[perTrialKey], table["usd_per_1k_tokens"]) {
    case (let perTrial?, nil):
      if let tokens = table["tokens_per_trial"] {
        report(tokens, key("tokens_per_trial"), "applies with usd_per_1k_tokens only; remove it or price per token")
      }
      return money(perTrial, key(perTrialKey)).map { .perTrial($0) }
    case (nil, let per1k?):
      let tokens = table["tokens_per_trial"].flatMap { integer($0, key("tokens_per_trial"), in: 1...Int64(1e15)) }
      if table["tokens_per_trial"] == nil {
        report(node, key("tokens_per_trial"), "missing; usd_per_1k_tokens needs the tokens one trial trains on")
      }
      guard let price = money(per1k, key("usd_per_1k_tokens")), let tokens else { return nil }
      let pricing = TrialPrice.perTokens(usdPer1k: price, tokensPerTrial: tokens)
      guard pricing.perTrialAmount != nil else {
        report(node, path, "usd_per_1k_tokens × tokens_per_trial is too large to be a price")
        return nil
      }
      return pricing
    case (.some, .some):
      report(node, path, "give \(perTrialKey) or usd_per_1k_tokens, not both")
    case (nil, nil):
      if required {
        report(node, key(perTrialKey), "missing; give \(perTrialKey), or usd_per_1k_tokens with tokens_per_trial")
      }
    }
    return nil
  }
}
