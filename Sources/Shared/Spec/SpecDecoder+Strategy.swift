/// Decoding of the strategy keys: `stages`, `early_stopping`, `transfer` and `adaptive`.
extension SpecDecoder {
  static let stageKeys = ["name", "top_k", "replicates"]
  static let earlyStoppingKeys = [
    "method", "metric", "goal", "min_epochs", "reduction_factor", "min_trials_per_rung", "epochs_parameter",
  ]
  static let transferKeys = ["from", "top_k", "refine_if_worse_by", "refine_trials"]
  static let adaptiveKeys = ["initial", "initial_trials", "parallel", "warm_start"]

  /// `stages: [{name: screen, epochs: 3}, {name: final, epochs: 15, top_k: 3}]`. Every key but
  /// `name` and `top_k` overrides a parameter of `space`.
  mutating func stages(_ node: DocumentNode, parameters names: [String]) -> [Stage]? {
    guard let items = list(node, "stages", expected: "a list of stages, e.g. [{name: screen, epochs: 3}]") else {
      return nil
    }
    guard !items.isEmpty else {
      report(node, "stages", "the list is empty; expected at least one stage, or remove the key")
      return nil
    }
    var stages: [Stage] = []
    var ok = true
    var seen: [String: Int] = [:]
    for (index, item) in items.enumerated() {
      let path = "stages[\(index)]"
      guard let table = table(item, path: path, allowed: nil, what: "a stage {name, top_k, parameter: value…}") else {
        ok = false
        continue
      }
      var name: String? = nil
      if let nameNode = required(table, "name", "the stage's name, e.g. screen"),
        let text = string(nameNode, "\(path).name")
      {
        if !Identifier.isParameterName(text) {
          report(
            nameNode, "\(path).name",
            "\(Identifier.quoted(text)) is not a stage name; expected lowercase letters, digits and '_'")
        } else if let first = seen[text] {
          report(nameNode, "\(path).name", "duplicate stage '\(text)' (also stages[\(first)]); name each stage once")
        } else {
          seen[text] = index
          name = text
        }
      }
      var topK: Int? = nil
      if let topNode = table["top_k"] {
        if index == 0 {
          report(
            topNode, "\(path).top_k", "the first stage runs the sampled trials; top_k applies to later stages only")
          ok = false
        } else if let value = integer(topNode, "\(path).top_k", in: 1...10_000) {
          topK = Int(value)
        } else {
          ok = false
        }
      } else if index > 0 {
        report(
          item, "\(path).top_k",
          "missing; a later stage needs how many of the previous stage's best to run, e.g. top_k: 3")
        ok = false
      }
      var replicates: Int? = nil
      if let node = table["replicates"] {
        if let value = integer(node, "\(path).replicates", in: 1...100) { replicates = Int(value) } else { ok = false }
      }
      var overrides: [String: ParameterValue] = [:]
      for key in table.order where !Self.stageKeys.contains(key) {
        guard let valueNode = table[key] else { continue }
        guard names.contains(key) else {
          let hint =
            Identifier.suggestion(for: key, among: names + Self.stageKeys).map { "; did you mean '\($0)'?" } ?? ""
          report(
            valueNode, "\(path).\(key)",
            "'\(key)' is not a parameter of space\(hint); a stage may set name, top_k, replicates and parameters (\(names.joined(separator: ", ")))"
          )
          ok = false
          continue
        }
        guard let value = parameterValue(valueNode, "\(path).\(key)") else {
          ok = false
          continue
        }
        overrides[key] = value
      }
      if let name, ok {
        stages.append(Stage(name: name, overrides: overrides, topK: topK, replicates: replicates))
      } else {
        ok = false
      }
    }
    return ok ? stages : nil
  }

  /// `early_stopping: {method: asha, metric: accuracy, min_epochs: 1, reduction_factor: 3}`.
  mutating func earlyStopping(_ node: DocumentNode, objective: Objective, parameters: [String]) -> EarlyStopping? {
    guard
      let table = table(
        node, path: "early_stopping", allowed: Self.earlyStoppingKeys, what: "the early stopping {method: asha, …}")
    else {
      return nil
    }
    var ok = true
    if let methodNode = required(table, "method", "the method, asha"),
      let method = string(methodNode, "early_stopping.method")
    {
      if method != "asha" {
        report(methodNode, "early_stopping.method", "unknown method \(Identifier.quoted(method)); expected asha")
        ok = false
      }
    } else {
      ok = false
    }
    var metric = objective.metric
    if let metricNode = table["metric"], let text = string(metricNode, "early_stopping.metric") {
      if Identifier.isParameterName(text) {
        metric = text
      } else {
        report(
          metricNode, "early_stopping.metric",
          "\(Identifier.quoted(text)) is not a metric name; expected lowercase letters, digits and '_'")
        ok = false
      }
    }
    var goal = objective.goal
    if let goalNode = table["goal"], let text = string(goalNode, "early_stopping.goal") {
      if let value = Objective.Goal(rawValue: text) {
        goal = value
      } else {
        report(
          goalNode, "early_stopping.goal", "unknown goal \(Identifier.quoted(text)); expected maximize or minimize")
        ok = false
      }
    }
    var minEpochs = 1
    if let n = table["min_epochs"] {
      if let value = integer(n, "early_stopping.min_epochs", in: 1...100_000) {
        minEpochs = Int(value)
      } else {
        ok = false
      }
    }
    var factor = 3
    if let n = table["reduction_factor"] {
      if let value = integer(n, "early_stopping.reduction_factor", in: 2...100) {
        factor = Int(value)
      } else {
        ok = false
      }
    }
    var minTrials = factor
    if let n = table["min_trials_per_rung"] {
      if let value = integer(n, "early_stopping.min_trials_per_rung", in: 1...100_000) {
        minTrials = Int(value)
      } else {
        ok = false
      }
    }
    var epochsParameter = "epochs"
    if let n = table["epochs_parameter"], let text = string(n, "early_stopping.epochs_parameter") {
      epochsParameter = text
    }
    if !parameters.contains(epochsParameter) {
      report(
        table["epochs_parameter"] ?? node, "early_stopping.epochs_parameter",
        "ASHA needs each trial's total epochs, but space has no parameter '\(epochsParameter)'; add it (e.g. epochs: 15) or name it with epochs_parameter"
      )
      ok = false
    }
    guard ok else { return nil }
    return EarlyStopping(
      metric: metric, goal: goal, minEpochs: minEpochs, reductionFactor: factor, minTrialsPerRung: minTrials,
      epochsParameter: epochsParameter)
  }

  /// `transfer: {from: financial, top_k: 5}`.
  mutating func transfer(_ node: DocumentNode, domains: [String], trialsPerDomain: Int?, sampler: SamplerKind)
    -> Transfer?
  {
    guard
      let table = table(
        node, path: "transfer", allowed: Self.transferKeys, what: "the transfer {from: DOMAIN, top_k: N}")
    else {
      return nil
    }
    var source: String? = nil
    if let fromNode = required(table, "from", "the source domain, one of domains"),
      let text = string(fromNode, "transfer.from")
    {
      if domains.contains(text) {
        source = text
      } else {
        let hint = Identifier.suggestion(for: text, among: domains).map { "; did you mean '\($0)'?" } ?? ""
        report(
          fromNode, "transfer.from",
          "'\(text)' is not one of domains\(hint); expected one of \(domains.joined(separator: ", "))")
      }
    }
    var topK: Int? = nil
    if let topNode = required(table, "top_k", "how many of the source's best configurations to run first, e.g. 5"),
      let value = integer(topNode, "transfer.top_k", in: 1...10_000)
    {
      topK = Int(value)
      if let trialsPerDomain, sampler != .grid, value > trialsPerDomain {
        report(
          topNode, "transfer.top_k",
          "\(value) is more than trials_per_domain (\(trialsPerDomain)); the transferred configurations are part of each target's trials"
        )
        topK = nil
      }
    }
    let refine = refinement(table, sampler: sampler)
    guard domains.count > 1 || source == nil else {
      report(node, "transfer", "the sweep has one domain; transfer needs a source and at least one other domain")
      return nil
    }
    guard let source, let topK, refine.ok else { return nil }
    return Transfer(source: source, topK: topK, targets: domains.filter { $0 != source }, refine: refine.value)
  }

  /// `refine_if_worse_by` and `refine_trials`, which go together.
  mutating func refinement(_ table: SpecTable, sampler: SamplerKind) -> (value: Transfer.Refinement?, ok: Bool) {
    let marginNode = table["refine_if_worse_by"]
    let trialsNode = table["refine_trials"]
    guard marginNode != nil || trialsNode != nil else { return (nil, true) }
    var margin: Double? = nil
    var trials: Int? = nil
    if let marginNode {
      if let value = number(
        marginNode, "transfer.refine_if_worse_by", expected: "a margin ≥ 0 in the objective's units, e.g. 0.02")
      {
        if value >= 0 && value.isFinite {
          margin = value
        } else {
          report(marginNode, "transfer.refine_if_worse_by", "\(value) is negative; expected a margin ≥ 0, e.g. 0.02")
        }
      }
    } else {
      report(
        table.node, "transfer.refine_if_worse_by", "missing; refine_trials needs the margin that triggers it, e.g. 0.02"
      )
    }
    if let trialsNode {
      if let value = integer(trialsNode, "transfer.refine_trials", in: 1...100_000) { trials = Int(value) }
    } else {
      report(table.node, "transfer.refine_trials", "missing; refine_if_worse_by needs how many trials to add, e.g. 20")
    }
    if sampler == .grid || sampler == .adaptive {
      report(
        marginNode ?? trialsNode, "transfer.refine_trials",
        "applies to the lhs and random samplers; \(sampler == .grid ? "a grid already runs every point" : "the adaptive sampler already proposes where it expects improvement")"
      )
      return (nil, false)
    }
    guard let margin, let trials else { return (nil, false) }
    return (Transfer.Refinement(margin: margin, trials: trials), true)
  }

  /// `adaptive: {initial: lhs, initial_trials: 10, parallel: 4, warm_start: [SWEEP_ID]}`.
  mutating func adaptive(_ node: DocumentNode?, trialsPerDomain: Int?) -> AdaptiveSampling? {
    var settings = AdaptiveSampling(
      initial: .lhs,
      initialTrials: min(
        AdaptiveSampling.defaultInitialTrials, trialsPerDomain ?? AdaptiveSampling.defaultInitialTrials),
      parallel: AdaptiveSampling.defaultParallel, warmStart: [])
    guard let node else { return settings }
    guard
      let table = table(
        node, path: "adaptive", allowed: Self.adaptiveKeys,
        what: "the adaptive sampler's settings {initial, initial_trials, parallel, warm_start}")
    else {
      return nil
    }
    var ok = true
    if let n = table["initial"], let text = string(n, "adaptive.initial") {
      switch text {
      case "lhs": settings.initial = .lhs
      case "random": settings.initial = .random
      default:
        report(n, "adaptive.initial", "unknown initial design \(Identifier.quoted(text)); expected lhs or random")
        ok = false
      }
    }
    if let n = table["initial_trials"] {
      if let value = integer(n, "adaptive.initial_trials", in: 1...Int64(max(1, trialsPerDomain ?? 1_000_000))) {
        settings.initialTrials = Int(value)
      } else {
        ok = false
      }
    }
    if let n = table["parallel"] {
      if let value = integer(n, "adaptive.parallel", in: 1...10_000) {
        settings.parallel = Int(value)
      } else {
        ok = false
      }
    }
    if let n = table["warm_start"], let items = list(n, "adaptive.warm_start", expected: "a list of earlier sweep ids")
    {
      for (index, item) in items.enumerated() {
        if let text = string(item, "adaptive.warm_start[\(index)]", expected: "a sweep id") {
          settings.warmStart.append(text)
        } else {
          ok = false
        }
      }
    }
    return ok ? settings : nil
  }
}
