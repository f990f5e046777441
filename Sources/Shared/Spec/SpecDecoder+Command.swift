/// The training command and the checks that look across keys: the objective against the space,
/// and the sweep's size against `max_trials`.
extension SpecDecoder {
  /// `command:`, an argv list whose `{placeholders}` must name parameters (every declared one,
  /// even those whose definition has a problem), built-ins, or `{seed}` in a replicated sweep.
  mutating func command(_ node: DocumentNode, parameters: Set<String>, knowsParameters: Bool, replicated: Bool = false)
    -> CommandTemplate?
  {
    if case .scalar(let scalar) = node, !scalar.isNull {
      report(
        node, "command",
        "a single string is a shell command line; expected argv as a list, e.g. [python, train_lora.py, --rank, \"{rank}\"] (no shell is ever used)"
      )
      return nil
    }
    guard let items = list(node, "command", expected: "the argv as a list of strings") else { return nil }
    guard !items.isEmpty else {
      report(node, "command", "the list is empty; expected the program and its arguments")
      return nil
    }
    var arguments: [[CommandTemplate.Segment]] = []
    var ok = true
    let known = parameters.union(SweepSpec.builtinPlaceholders).union(replicated ? ["seed"] : [])
    for (index, item) in items.enumerated() {
      let path = "command[\(index)]"
      guard let text = string(item, path, expected: "an argument (a string)") else {
        ok = false
        continue
      }
      if text.unicodeScalars.contains("\u{0}") {
        report(item, path, "the argument contains a NUL character, which no program can receive")
        ok = false
        continue
      }
      if index == 0, text.isEmpty {
        report(item, path, "the program name is empty; expected a program such as python")
        ok = false
        continue
      }
      do {
        let segments = try CommandTemplate.parseArgument(text)
        for case .placeholder(let name) in segments where knowsParameters && !known.contains(name) {
          if name == "seed" {
            report(
              item, path,
              "{seed} is each run's seed in a sweep with replicates; add replicates: N (or replicates on a stage), or write the seed itself"
            )
            ok = false
            continue
          }
          let hint =
            Identifier.suggestion(for: name, among: Array(known).sorted()).map { "; did you mean '{\($0)}'?" } ?? ""
          report(
            item, path,
            "placeholder {\(name)} names nothing\(hint); expected a parameter of space (\(parameters.sorted().joined(separator: ", "))) or domain, trial_id, output_dir\(replicated ? ", seed" : "")"
          )
          ok = false
        }
        arguments.append(segments)
      } catch {
        report(item, path, error.message)
        ok = false
      }
    }
    return ok ? CommandTemplate(arguments: arguments) : nil
  }

  mutating func checkObjective(_ objective: Objective, against parameters: [String], node: DocumentNode?) {
    if parameters.contains(objective.metric) {
      report(
        node, "objective.metric", "'\(objective.metric)' is also a parameter of space; a metric needs its own name")
    }
  }

  /// Counts trials without enumerating them, so that a 10^12 grid is refused in microseconds.
  mutating func checkSize(
    sampler: SamplerKind, space: [Parameter], domainCount: Int, trialsPerDomain: Int?, replicates: Int = 1,
    maxTrials: Int, table: SpecTable
  ) {
    switch sampler {
    case .grid:
      var perDomain = 1
      var overflow = false
      for parameter in space {
        guard let count = parameter.kind.gridCount else {
          report(
            table["space"], "space.\(parameter.name)",
            "the grid sampler needs discrete values, but this range is continuous; add grid_points: n or use values: [...]"
          )
          return
        }
        let (product, didOverflow) = perDomain.multipliedReportingOverflow(by: count)
        overflow = overflow || didOverflow
        perDomain = didOverflow ? Int.max : product
      }
      let (domains, didOverflow) = perDomain.multipliedReportingOverflow(by: domainCount)
      let (total, replicatedOverflow) = domains.multipliedReportingOverflow(by: replicates)
      if overflow || didOverflow || replicatedOverflow || total > maxTrials {
        let size = overflow || didOverflow || replicatedOverflow ? "more than 9.2e18" : "\(total)"
        let times = replicates > 1 ? " × \(replicates) replicates" : ""
        report(
          table["sampler"] ?? table.node, "sampler",
          "the grid has \(size) trials (\(overflow ? "over Int.max" : "\(perDomain)") per domain × \(domainCount) domains\(times)), more than max_trials (\(maxTrials)); use sampler: lhs with trials_per_domain, or raise max_trials"
        )
      }
    case .random, .lhs, .adaptive:
      guard let trialsPerDomain else { return }
      let (domains, overflow) = trialsPerDomain.multipliedReportingOverflow(by: domainCount)
      let (total, replicatedOverflow) = domains.multipliedReportingOverflow(by: replicates)
      if overflow || replicatedOverflow || total > maxTrials {
        let times = replicates > 1 ? " × \(replicates) replicates" : ""
        report(
          table["trials_per_domain"], "trials_per_domain",
          "\(trialsPerDomain) trials × \(domainCount) domains\(times) exceeds max_trials (\(maxTrials)); lower it or raise max_trials"
        )
      }
    }
  }
}
