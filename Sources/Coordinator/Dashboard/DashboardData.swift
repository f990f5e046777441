import Foundation
import Shared
import SpecReading
import Synchronization

/// The leaderboard's orders of one version of a sweep's results, each sorted once, when first
/// asked for: a page of 20 rows must not sort 50,000 results on every refresh.
public final class LeaderboardOrders: Sendable {
  let records: [ResultRecord]
  let objective: Objective
  private let orders = Mutex<[String: [Int]]>([:])

  init(records: [ResultRecord], objective: Objective) {
    self.records = records
    self.objective = objective
  }

  /// The succeeded trials of `domain`, best first by `sort` (`objective`, `cost` or `duration`).
  public func order(domain: String, sort: String) -> [Int] {
    let key = domain + "\u{0}" + sort
    if let known = orders.withLock({ $0[key] }) { return known }
    let metric = objective.metric
    let values = records.map { record in record.metrics.first { $0.0 == metric }?.1 }
    var rows = records.indices.filter {
      records[$0].domain == domain && records[$0].status == TrialState.succeeded.rawValue
    }
    switch sort {
    case "cost": rows.sort { (records[$0].cost, $0) < (records[$1].cost, $1) }
    case "duration":
      rows.sort { (records[$0].durationSeconds ?? .infinity, $0) < (records[$1].durationSeconds ?? .infinity, $1) }
    default:
      rows.sort { a, b in
        guard let x = values[a] else { return false }
        guard let y = values[b] else { return true }
        return x == y ? a < b : objective.isBetter(x, than: y)
      }
    }
    orders.withLock { $0[key] = rows }
    return rows
  }
}

/// Everything a sweep's page shows, read for one request.
public struct SweepSnapshot: Sendable {
  public var status: SweepStatus
  public var spec: SweepSpec?
  public var context: PlotContext
  /// Finished trials, for the leaderboard, the plots and the report.
  public var records: [ResultRecord]
  public var plotRecords: [PlotRecord]
  public var progress: SweepProgress
  public var workers: [WorkerSummary]
  public var ledger: [LedgerSample]
  /// When it was read (the end of the spend line).
  public var now: Timestamp
  /// The leaderboard's sorted orders of ``records``.
  public var boards: LeaderboardOrders
}

/// Reads what the dashboard shows, once per request, and keeps each sweep's finished trials
/// and plots while they have not changed: ten dashboards open on a sweep of 100,000 results
/// read its results once per new result, not ten times every few seconds.
public actor DashboardData {
  let store: any SweepStore
  let dashboard: any DashboardStore
  let clock: any WallClock

  struct Cached {
    var fingerprint: String
    var spec: SweepSpec?
    var records: [ResultRecord]
    var plotRecords: [PlotRecord]
    var plots: [String: PlotData] = [:]
    /// The page's plot section, drawn once per change of the results.
    var plotSection: String? = nil
    var boards: LeaderboardOrders
    /// When they were read, and how long that took.
    var readAt: ContinuousClock.Instant
    var readTook: Duration
  }
  private var cache: [String: Cached] = [:]
  /// Sweeps by last use, oldest first: only the few looked at lately stay in memory.
  private var recent: [String] = []
  static let sweepsKept = 4

  public init(store: any SweepStore, dashboard: any DashboardStore, clock: any WallClock) {
    self.store = store
    self.dashboard = dashboard
    self.clock = clock
  }

  /// A sweep's page data; pages asked for within `freshFor` of each other share one read (ten
  /// dashboards refreshing every 5 s read the sweep about once every 4 s, not twice a second: a
  /// sweep's status counts its trials, half a second at 100,000).
  public func snapshot(sweepID: String) async throws -> SweepSnapshot {
    if let (at, snapshot) = snapshots[sweepID], ContinuousClock.now - at < Self.freshFor { return snapshot }
    let snapshot = try await readSnapshot(sweepID: sweepID)
    snapshots[sweepID] = (ContinuousClock.now, snapshot)
    if snapshots.count > Self.sweepsKept * 4 {
      snapshots = snapshots.filter { ContinuousClock.now - $0.value.0 < Self.freshFor }
    }
    return snapshot
  }

  private var snapshots: [String: (ContinuousClock.Instant, SweepSnapshot)] = [:]

  /// Forgets what was read of a sweep that just changed (cancelled from its page).
  public func invalidate(sweepID: String) { snapshots[sweepID] = nil }
  static let freshFor: Duration = .seconds(4)

  /// The plot section of a sweep's page, drawn once per change of its results (`snapshot`'s).
  public func plotSection(_ snapshot: SweepSnapshot) async throws -> String {
    let sweepID = snapshot.status.id
    _ = try await finished(snapshot.status)
    if let drawn = cache[sweepID]?.plotSection { return drawn }
    let drawn = DashboardPages.plotSection(try await plots(snapshot.status), sweepID: sweepID)
    cache[sweepID]?.plotSection = drawn
    return drawn
  }

  private func readSnapshot(sweepID: String) async throws -> SweepSnapshot {
    let status = try await store.sweepStatus(id: sweepID)
    let cached = try await finished(status)
    let running = try await dashboard.runningTrials(sweepID: sweepID)
    let stages = try await dashboard.stageCounts(sweepID: sweepID)
    let progress = SweepProgress(
      sweepId: sweepID, state: status.state, domains: stages, running: running,
      etaS: Self.eta(status: status, records: cached.records, running: running.count))
    let context =
      cached.spec.map(PlotContext.init(spec:))
      ?? PlotContext(objective: status.objective, parameters: [], domains: status.domains.map(\.domain))
    return SweepSnapshot(
      status: status, spec: cached.spec, context: context, records: cached.records, plotRecords: cached.plotRecords,
      progress: progress, workers: try await store.listWorkers(),
      ledger: try await dashboard.ledgerSamples(sweepID: sweepID),
      now: clock.now, boards: cached.boards)
  }

  /// The data of one plot, computed once per change of the sweep's results.
  public func plot(_ kind: String, sweepID: String) async throws -> PlotData? {
    try await plot(kind, status: try await store.sweepStatus(id: sweepID))
  }

  /// Every plot the sweep has (transfer only with transfer), from a status already read: one
  /// read of the sweep for all of them, not one per plot.
  public func plots(_ status: SweepStatus) async throws -> [PlotData] {
    var plots: [PlotData] = []
    for kind in PlotBuilder.kinds {
      if let plot = try await plot(kind, status: status) { plots.append(plot) }
    }
    return plots
  }

  private func plot(_ kind: String, status: SweepStatus) async throws -> PlotData? {
    let sweepID = status.id
    let cached = try await finished(status)
    if let plot = cache[sweepID]?.plots[kind] { return plot }
    let context =
      cached.spec.map(PlotContext.init(spec:))
      ?? PlotContext(objective: status.objective, parameters: [], domains: status.domains.map(\.domain))
    let plot = PlotBuilder.plot(kind, records: cached.plotRecords, context: context)
    if let plot { cache[sweepID]?.plots[kind] = plot }
    return plot
  }

  public func timeline(sweepID: String) async throws -> SweepTimeline {
    let status = try await store.sweepStatus(id: sweepID)
    let cached = try await finished(status)
    var points: [TimelinePoint] = []
    for domain in status.domains.map(\.domain) {
      let timed = cached.plotRecords.filter { $0.domain == domain && $0.objective != nil && $0.finishedAt != nil }
        .sorted { $0.finishedAt! < $1.finishedAt! }
      let best = PlotMath.bestSoFar(timed.map { $0.objective! }, goal: status.objective.goal)
      let changes = Set(best.indices.filter { $0 == 0 || best[$0] != best[$0 - 1] })
      for index in PlotMath.downsample(count: timed.count, limit: 2_000, keeping: changes) {
        points.append(
          TimelinePoint(
            at: timed[index].finishedAt!.iso8601, domain: domain, trialId: timed[index].trialID,
            objective: timed[index].objective!, bestSoFar: best[index]))
      }
    }
    return SweepTimeline(
      budgetUsd: status.budgetUsd, ledger: try await dashboard.ledgerSamples(sweepID: sweepID), results: points)
  }

  /// The sweep's finished trials, read again only when its counts changed.
  private func finished(_ status: SweepStatus) async throws -> Cached {
    let counts = status.counts
    let fingerprint =
      "\(counts.succeeded)/\(counts.failed)/\(counts.pruned)/\(counts.cancelled)/\(status.state.rawValue)"
    if let cached = cache[status.id] {
      // Changed results are read again, but not more often than five times as long as a read
      // takes (at least 5 s): 100,000 results take seconds to read, and a busy sweep finishes a
      // trial every few. Meanwhile the page says its plots are behind.
      let wait = max(Duration.seconds(5), cached.readTook * 5)
      if cached.fingerprint == fingerprint || ContinuousClock.now - cached.readAt < wait {
        recent.removeAll { $0 == status.id }
        recent.append(status.id)
        return cached
      }
    }
    let started = ContinuousClock.now
    var spec = cache[status.id]?.spec
    if spec == nil, let text = try? await store.specText(sweepID: status.id) {
      spec = try? SpecDecoder.decode(text, file: "sweep \(status.id)")
    }
    var records: [ResultRecord] = []
    var cursor: ResultCursor? = nil
    repeat {
      let page = try await store.exportResults(ResultQuery(sweepID: status.id), after: cursor, limit: 5_000)
      records += page.records
      cursor = page.next
    } while cursor != nil
    let metric = status.objective.metric
    let plotRecords = records.map { record in
      PlotRecord(
        domain: record.domain, trialID: record.trialID, params: record.params,
        objective: record.status == TrialState.succeeded.rawValue ? record.metrics.first { $0.0 == metric }?.1 : nil,
        cost: Double(record.cost.value) / 1_000_000, finishedAt: record.finishedAt, origin: record.origin)
    }
    let cached = Cached(
      fingerprint: fingerprint, spec: spec, records: records, plotRecords: plotRecords,
      boards: LeaderboardOrders(records: records, objective: status.objective), readAt: ContinuousClock.now,
      readTook: ContinuousClock.now - started)
    cache[status.id] = cached
    recent.removeAll { $0 == status.id }
    recent.append(status.id)
    while recent.count > Self.sweepsKept { cache[recent.removeFirst()] = nil }
    return cached
  }

  /// The open trials' remaining time: their count × the mean measured duration ÷ the trials
  /// running at once (at least one). nil before any trial finished or when nothing is open.
  static func eta(status: SweepStatus, records: [ResultRecord], running: Int) -> Double? {
    let open = status.counts.pending + status.counts.leased + status.counts.waiting
    let durations = records.compactMap { $0.status == TrialState.succeeded.rawValue ? $0.durationSeconds : nil }
    guard open > 0, !durations.isEmpty else { return nil }
    let mean = durations.reduce(0, +) / Double(durations.count)
    return Double(open) * mean / Double(max(1, running))
  }
}
