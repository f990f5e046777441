/// `GET /v1/sweeps/{id}/progress`: where a sweep stands now — per domain and stage, the trials
/// running with their latest epoch and metrics from the heartbeats, and an ETA.
public struct SweepProgress: Hashable, Sendable, Codable {
  public var sweepId: String
  public var state: SweepState
  public var domains: [DomainProgress]
  public var running: [RunningTrial]
  /// Seconds until every open trial is done, from the measured durations and the trials running
  /// at once; nil before any trial finished.
  public var etaS: Double?

  public init(sweepId: String, state: SweepState, domains: [DomainProgress], running: [RunningTrial], etaS: Double?) {
    self.sweepId = sweepId
    self.state = state
    self.domains = domains
    self.running = running
    self.etaS = etaS
  }
}

public struct DomainProgress: Hashable, Sendable, Codable {
  public var domain: String
  /// The stage's name in a sweep with stages, else nil.
  public var stage: String?
  public var counts: TrialCounts

  public init(domain: String, stage: String?, counts: TrialCounts) {
    self.domain = domain
    self.stage = stage
    self.counts = counts
  }
}

/// A trial running now, as its heartbeats describe it.
public struct RunningTrial: Hashable, Sendable, Codable {
  public var trialId: String
  public var domain: String
  public var attempt: Int
  public var worker: String
  public var startedAt: String
  public var epoch: Double?
  public var step: Double?
  public var metrics: [String: Double]
  /// Earlier heartbeats' values, oldest first (at most 200): the live curve.
  public var history: [ProgressPoint]
  public var params: [String: ParameterValue]

  public init(
    trialId: String, domain: String, attempt: Int, worker: String, startedAt: String, epoch: Double?, step: Double?,
    metrics: [String: Double], history: [ProgressPoint], params: [String: ParameterValue]
  ) {
    self.trialId = trialId
    self.domain = domain
    self.attempt = attempt
    self.worker = worker
    self.startedAt = startedAt
    self.epoch = epoch
    self.step = step
    self.metrics = metrics
    self.history = history
    self.params = params
  }
}

/// One heartbeat's progress of an attempt.
public struct ProgressPoint: Hashable, Sendable, Codable {
  public var at: String
  public var epoch: Double?
  public var step: Double?
  public var metrics: [String: Double]

  public init(at: String, epoch: Double?, step: Double?, metrics: [String: Double]) {
    self.at = at
    self.epoch = epoch
    self.step = step
    self.metrics = metrics
  }
}

/// `GET /v1/sweeps/{id}/timeline`: money and results over time.
public struct SweepTimeline: Hashable, Sendable, Codable {
  public var budgetUsd: DollarAmount
  /// The ledger sampled while the sweep ran (every 10 s when it changed).
  public var ledger: [LedgerSample]
  /// Finished trials' objective in the order they finished, with the best so far, per domain
  /// (downsampled past 2,000 points per domain, keeping every new best).
  public var results: [TimelinePoint]

  public init(budgetUsd: DollarAmount, ledger: [LedgerSample], results: [TimelinePoint]) {
    self.budgetUsd = budgetUsd
    self.ledger = ledger
    self.results = results
  }
}

public struct LedgerSample: Hashable, Sendable, Codable {
  public var at: String
  public var spentUsd: DollarAmount
  public var reservedUsd: DollarAmount

  public init(at: String, spentUsd: DollarAmount, reservedUsd: DollarAmount) {
    self.at = at
    self.spentUsd = spentUsd
    self.reservedUsd = reservedUsd
  }
}

public struct TimelinePoint: Hashable, Sendable, Codable {
  public var at: String
  public var domain: String
  public var trialId: String
  public var objective: Double
  public var bestSoFar: Double

  public init(at: String, domain: String, trialId: String, objective: Double, bestSoFar: Double) {
    self.at = at
    self.domain = domain
    self.trialId = trialId
    self.objective = objective
    self.bestSoFar = bestSoFar
  }
}

/// `GET /v1/sweeps/{id}/plots/{kind}`: the data of one plot, aggregated and downsampled on the
/// server, drawn by the dashboard and the report (and by anyone else's tool).
public struct PlotData: Hashable, Sendable, Codable {
  /// `history`, `slice`, `parallel`, `importance`, `pareto` or `transfer`.
  public var kind: String
  public var title: String
  public var panels: [PlotPanel]
  /// Points left out of scatter panels to keep the page light (0: none).
  public var omitted: Int = 0

  public init(kind: String, title: String, panels: [PlotPanel]) {
    self.kind = kind
    self.title = title
    self.panels = panels
  }
}

/// One chart: scatter/line series on two axes, bars, parallel axes, or a heat map.
public struct PlotPanel: Hashable, Sendable, Codable {
  public var title: String
  public var xLabel: String = ""
  public var yLabel: String = ""
  public var xLog: Bool = false
  /// x values are category names (`categories`), not numbers.
  public var categories: [String]? = nil
  public var series: [PlotSeries] = []
  public var bars: [PlotBar]? = nil
  /// Parallel coordinates: one axis per parameter and the objective; each line a trial's
  /// position on each axis in [0, 1], coloured by `colour` in [0, 1] (1 = best).
  public var axes: [PlotAxis]? = nil
  public var lines: [PlotLine]? = nil
  /// A heat map: rows × columns of values (nil: not run).
  public var heat: HeatMap? = nil

  public init(title: String) { self.title = title }
}

public struct PlotSeries: Hashable, Sendable, Codable {
  public var name: String
  /// `points`, `line` or `step`.
  public var style: String
  public var x: [Double]
  public var y: [Double]
  /// A trial id per point, for links (points only).
  public var ids: [String]? = nil

  public init(name: String, style: String, x: [Double], y: [Double], ids: [String]? = nil) {
    self.name = name
    self.style = style
    self.x = x
    self.y = y
    self.ids = ids
  }
}

public struct PlotBar: Hashable, Sendable, Codable {
  public var label: String
  public var value: Double
  public init(label: String, value: Double) {
    self.label = label
    self.value = value
  }
}

public struct PlotAxis: Hashable, Sendable, Codable {
  public var name: String
  public var low: String
  public var high: String
  public var log: Bool
  public init(name: String, low: String, high: String, log: Bool) {
    self.name = name
    self.low = low
    self.high = high
    self.log = log
  }
}

public struct PlotLine: Hashable, Sendable, Codable {
  public var values: [Double]
  public var colour: Double
  public init(values: [Double], colour: Double) {
    self.values = values
    self.colour = colour
  }
}

public struct HeatMap: Hashable, Sendable, Codable {
  public var rows: [String]
  public var columns: [String]
  public var values: [[Double?]]
  public init(rows: [String], columns: [String], values: [[Double?]]) {
    self.rows = rows
    self.columns = columns
    self.values = values
  }
}
