/// One finished trial as the plots see it.
public struct PlotRecord: Sendable {
  public var domain: String
  public var trialID: String
  public var params: [(String, ParameterValue)]
  /// The objective; nil when the trial did not report one (failed).
  public var objective: Double?
  /// What the trial cost, in dollars.
  public var cost: Double
  public var finishedAt: Timestamp?
  /// `sampled`, `transferred`, `promoted` or `proposed`.
  public var origin: String

  public init(
    domain: String, trialID: String, params: [(String, ParameterValue)], objective: Double?, cost: Double,
    finishedAt: Timestamp?, origin: String
  ) {
    self.domain = domain
    self.trialID = trialID
    self.params = params
    self.objective = objective
    self.cost = cost
    self.finishedAt = finishedAt
    self.origin = origin
  }
}

/// What the plots need of the sweep's spec.
public struct PlotContext: Sendable {
  public var objective: Objective
  public var parameters: [Parameter]
  public var domains: [String]
  public var transfer: Transfer?

  public init(objective: Objective, parameters: [Parameter], domains: [String], transfer: Transfer? = nil) {
    self.objective = objective
    self.parameters = parameters
    self.domains = domains
    self.transfer = transfer
  }

  public init(spec: SweepSpec) {
    self.init(objective: spec.objective, parameters: spec.space, domains: spec.domains, transfer: spec.transfer)
  }

  /// The parameters that vary (a fixed one says nothing on a plot).
  var varying: [Parameter] {
    parameters.filter { if case .fixed = $0.kind { false } else { true } }
  }
}

/// Builds each plot's data from the finished trials: aggregated and downsampled here, so the
/// page and the report draw at most a few thousand marks whatever the sweep's size.
public enum PlotBuilder {
  public static let kinds = ["history", "slice", "parallel", "importance", "pareto", "transfer"]

  /// The data of plot `kind`, or nil for a kind that does not exist (or `transfer` in a sweep without one).
  public static func plot(_ kind: String, records: [PlotRecord], context: PlotContext, limit: Int = 1_000)
    -> PlotData?
  {
    let scored = records.filter { $0.objective?.isFinite == true }
    switch kind {
    case "history": return history(scored, context, limit: limit)
    case "slice": return slice(scored, context, limit: limit)
    case "parallel": return parallel(scored, context, limit: min(limit, 400))
    case "importance": return importance(scored, context)
    case "pareto": return pareto(scored, context, limit: limit)
    case "transfer": return context.transfer.map { transfer(scored, context, $0) }
    default: return nil
    }
  }

  static func byDomain(_ records: [PlotRecord], _ context: PlotContext) -> [(String, [PlotRecord])] {
    let groups = Dictionary(grouping: records, by: \.domain)
    return context.domains.compactMap { domain in groups[domain].map { (domain, $0) } }
  }

  /// The objective over time, with the best so far, per domain; x in minutes since the first result.
  static func history(_ records: [PlotRecord], _ context: PlotContext, limit: Int) -> PlotData {
    var panel = PlotPanel(title: "\(context.objective.metric) over time")
    panel.xLabel = "minutes since the first result"
    panel.yLabel = context.objective.metric
    let start = records.compactMap(\.finishedAt).min()
    var omitted = 0
    for (domain, group) in byDomain(records, context) {
      let timed = group.filter { $0.finishedAt != nil }.sorted { $0.finishedAt! < $1.finishedAt! }
      guard let start, !timed.isEmpty else { continue }
      let x = timed.map { Double($0.finishedAt!.milliseconds - start.milliseconds) / 60_000 }
      let y = timed.map { $0.objective! }
      let best = PlotMath.bestSoFar(y, goal: context.objective.goal)
      // Every point where the best changed is kept, on the line and among the points.
      let changes = Set(best.indices.filter { $0 == 0 || best[$0] != best[$0 - 1] })
      let shown = PlotMath.downsample(count: x.count, limit: limit / max(1, context.domains.count), keeping: changes)
      omitted += x.count - shown.count
      panel.series.append(
        PlotSeries(
          name: domain, style: "points", x: shown.map { x[$0] }, y: shown.map { y[$0] },
          ids: shown.map { timed[$0].trialID }))
      let steps = changes.sorted()
      panel.series.append(
        PlotSeries(
          name: "\(domain) best", style: "step", x: steps.map { x[$0] } + [x[x.count - 1]],
          y: steps.map { best[$0] } + [best[best.count - 1]]))
    }
    var data = PlotData(kind: "history", title: "Objective over time", panels: [panel])
    data.omitted = omitted
    return data
  }

  /// The objective against each parameter, per domain (log axes where the space is log).
  static func slice(_ records: [PlotRecord], _ context: PlotContext, limit: Int) -> PlotData {
    var panels: [PlotPanel] = []
    var omitted = 0
    let keep = Set(bestIndices(records, context))
    let shown = PlotMath.downsample(count: records.count, limit: limit, keeping: keep)
    omitted = records.count - shown.count
    let sample = shown.map { records[$0] }
    for parameter in context.varying {
      var panel = PlotPanel(title: parameter.name)
      panel.xLabel = parameter.name
      panel.yLabel = context.objective.metric
      panel.xLog = parameter.kind.isLog
      let values = sample.map { record in record.params.first { $0.0 == parameter.name }?.1 }
      let categorical = values.contains { $0 != nil && $0?.numeric == nil }
      var categories: [String] = []
      if categorical {
        categories =
          parameter.kind.gridValues?.map(\.canonical) ?? Array(Set(values.compactMap { $0?.canonical })).sorted()
        panel.categories = categories
      }
      for domain in context.domains {
        var x: [Double] = []
        var y: [Double] = []
        var ids: [String] = []
        for (record, value) in zip(sample, values) where record.domain == domain {
          guard let value else { continue }
          let position = categorical ? categories.firstIndex(of: value.canonical).map(Double.init) : value.numeric
          guard let position, !panel.xLog || position > 0 else { continue }
          x.append(position)
          y.append(record.objective!)
          ids.append(record.trialID)
        }
        if !x.isEmpty { panel.series.append(PlotSeries(name: domain, style: "points", x: x, y: y, ids: ids)) }
      }
      panels.append(panel)
    }
    var data = PlotData(kind: "slice", title: "Objective by parameter", panels: panels)
    data.omitted = omitted
    return data
  }

  /// Each trial as a line across one axis per parameter and the objective, coloured best to worst.
  static func parallel(_ records: [PlotRecord], _ context: PlotContext, limit: Int) -> PlotData {
    var panel = PlotPanel(title: "Parallel coordinates")
    let parameters = context.varying
    // The best tenth is always drawn: it is what one looks for.
    let ranked = records.indices.sorted {
      context.objective.isBetter(records[$0].objective!, than: records[$1].objective!)
    }
    let top = Set(ranked.prefix(max(1, min(limit / 2, records.count / 10))))
    let shown = PlotMath.downsample(count: records.count, limit: limit, keeping: top)
    var axes: [PlotAxis] = []
    var columns: [[Double]] = []
    for parameter in parameters {
      let values = shown.map { records[$0].params.first { $0.0 == parameter.name }?.1 }
      let numbers = values.map { $0?.numeric }
      if numbers.allSatisfy({ $0 != nil }), let low = numbers.compactMap({ $0 }).min(),
        let high = numbers.compactMap({ $0 }).max()
      {
        let log = parameter.kind.isLog && low > 0
        let scale = { (v: Double) -> Double in
          guard high > low else { return 0.5 }
          return log ? (Math.log(v) - Math.log(low)) / (Math.log(high) - Math.log(low)) : (v - low) / (high - low)
        }
        axes.append(PlotAxis(name: parameter.name, low: short(low), high: short(high), log: log))
        columns.append(numbers.map { scale($0!) })
      } else {
        let names = Array(Set(values.compactMap { $0?.canonical })).sorted()
        axes.append(PlotAxis(name: parameter.name, low: names.first ?? "", high: names.last ?? "", log: false))
        columns.append(
          values.map { value in
            guard names.count > 1, let value, let index = names.firstIndex(of: value.canonical) else { return 0.5 }
            return Double(index) / Double(names.count - 1)
          })
      }
    }
    let objectives = shown.map { records[$0].objective! }
    let low = objectives.min() ?? 0
    let high = objectives.max() ?? 1
    let normalised = objectives.map { high > low ? ($0 - low) / (high - low) : 0.5 }
    axes.append(PlotAxis(name: context.objective.metric, low: short(low), high: short(high), log: false))
    columns.append(normalised)
    panel.axes = axes
    panel.lines = shown.indices.map { row in
      let colour = context.objective.goal == .maximize ? normalised[row] : 1 - normalised[row]
      return PlotLine(values: columns.map { $0[row] }, colour: colour)
    }
    var data = PlotData(kind: "parallel", title: "Parallel coordinates", panels: [panel])
    data.omitted = records.count - shown.count
    return data
  }

  /// Which parameters the objective depends on, per domain (``PlotMath/importance(parameters:objectives:)``).
  static func importance(_ records: [PlotRecord], _ context: PlotContext) -> PlotData {
    let parameters = context.varying
    var panels: [PlotPanel] = []
    for (domain, group) in byDomain(records, context) where group.count >= 3 {
      let columns = parameters.map { parameter in
        group.map { record in record.params.first { $0.0 == parameter.name }?.1 ?? .string("") }
      }
      let scores = PlotMath.importance(parameters: columns, objectives: group.map { $0.objective! })
      var panel = PlotPanel(title: domain)
      panel.xLabel = "share of the explained variance of \(context.objective.metric)"
      panel.bars = zip(parameters, scores).map { PlotBar(label: $0.name, value: $1) }.sorted { $0.value > $1.value }
      panels.append(panel)
    }
    return PlotData(kind: "importance", title: "Parameter importance", panels: panels)
  }

  /// The objective against what each trial cost, with the frontier of the configurations no
  /// other beats on both.
  static func pareto(_ records: [PlotRecord], _ context: PlotContext, limit: Int) -> PlotData {
    var panel = PlotPanel(title: "\(context.objective.metric) against cost")
    panel.xLabel = "cost of the trial ($)"
    panel.yLabel = context.objective.metric
    let frontier = PlotMath.paretoFrontier(
      costs: records.map(\.cost), objectives: records.map { $0.objective! }, goal: context.objective.goal)
    let shown = Set(PlotMath.downsample(count: records.count, limit: limit, keeping: Set(frontier)))
    for domain in context.domains {
      let chosen = records.indices.filter { shown.contains($0) && records[$0].domain == domain }
      guard !chosen.isEmpty else { continue }
      panel.series.append(
        PlotSeries(
          name: domain, style: "points", x: chosen.map { records[$0].cost }, y: chosen.map { records[$0].objective! },
          ids: chosen.map { records[$0].trialID }))
    }
    if !frontier.isEmpty {
      panel.series.append(
        PlotSeries(
          name: "frontier", style: "line", x: frontier.map { records[$0].cost },
          y: frontier.map { records[$0].objective! }, ids: frontier.map { records[$0].trialID }))
    }
    var data = PlotData(kind: "pareto", title: "Objective against cost", panels: [panel])
    data.omitted = records.count - shown.count
    return data
  }

  /// For a transfer sweep: how each configuration carried over from the source did in each domain.
  static func transfer(_ records: [PlotRecord], _ context: PlotContext, _ transfer: Transfer) -> PlotData {
    func key(_ record: PlotRecord) -> String {
      record.params.map { "\($0.0)=\($0.1.canonical)" }.joined(separator: " ")
    }
    let carried = records.filter { $0.origin == TrialOrigin.transferred.rawValue }
    var configurations: [String] = []
    for record in carried where !configurations.contains(key(record)) { configurations.append(key(record)) }
    let wanted = Set(configurations)
    var best: [String: [String: Double]] = [:]
    for record in records where wanted.contains(key(record)) {
      let current = best[key(record)]?[record.domain]
      if current.map({ context.objective.isBetter(record.objective!, than: $0) }) ?? true {
        best[key(record), default: [:]][record.domain] = record.objective!
      }
    }
    let columns = [transfer.source] + transfer.targets
    let rows = Array(configurations.prefix(30))
    var panel = PlotPanel(title: "Configurations from \(transfer.source) in each domain")
    panel.heat = HeatMap(rows: rows, columns: columns, values: rows.map { row in columns.map { best[row]?[$0] } })
    return PlotData(kind: "transfer", title: "Transfer", panels: [panel])
  }

  static func bestIndices(_ records: [PlotRecord], _ context: PlotContext) -> [Int] {
    var best: [String: Int] = [:]
    for (index, record) in records.enumerated() {
      if let current = best[record.domain],
        !context.objective.isBetter(record.objective!, than: records[current].objective!)
      {
        continue
      }
      best[record.domain] = index
    }
    return Array(best.values)
  }

  /// A number in three significant digits, for labels: `16`, `0.0095`, `2.5e-05`.
  public static func short(_ value: Double) -> String {
    guard value.isFinite else { return String(value) }
    if value == value.rounded(), abs(value) < 1e6 { return String(Int64(value)) }
    let magnitude = abs(value)
    let exponent = Int((Math.log(magnitude) / Math.log(10)).rounded(.down))
    if exponent >= -3 && exponent < 6 {
      // three significant digits, printed without float noise
      let decimals = max(0, 2 - exponent)
      let scale = Math.pow(10, Double(decimals))
      let rounded = (value * scale).rounded() / scale
      if decimals == 0 { return String(Int64(rounded)) }
      var text = String(rounded)
      if text.contains("e") { text = String(value) }
      return text
    }
    let mantissa = (value / Math.pow(10, Double(exponent)) * 100).rounded() / 100
    return "\(mantissa == mantissa.rounded() ? String(Int64(mantissa)) : String(mantissa))e\(exponent)"
  }
}

extension ParameterKind {
  /// Whether the space is drawn in log scale (log-uniform, or integers sampled in log).
  public var isLog: Bool {
    switch self {
    case .logUniform: true
    case .integer(_, _, _, let log, _): log
    default: false
    }
  }
}
