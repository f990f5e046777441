import Foundation
import Shared

/// The dashboard's HTML, built on the server from the same data the API serves. Pages are
/// complete without the script (which only refreshes the parts marked `data-live`).
enum DashboardPages {
  typealias E = SVGPlot

  /// The page around a body: header, navigation, who is logged in.
  static func page(title: String, session: DashboardSession?, body: String, script: Bool = true) -> String {
    var nav = "<header class=\"top\"><a class=\"brand\" href=\"/\">LoRASweep</a><a href=\"/\">Sweeps</a>"
    if let session {
      nav +=
        "<span class=\"who\">\(session.role == .admin ? "admin" : "viewer (read-only)") · <a href=\"/logout\">log out</a></span>"
    }
    nav += "</header>"
    return """
      <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(E.escape(title)) · LoRASweep</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
      <body>\(nav)<main>\(body)</main>\(script ? "<script src=\"/assets/dashboard.js\"></script>" : "")</body></html>
      """
  }

  // MARK: login

  static func login(message: String?, next: String) -> String {
    let note = message.map { "<p class=\"message\" role=\"alert\">\(E.escape($0))</p>" } ?? ""
    return page(
      title: "Log in", session: nil,
      body: """
        <div class="login"><h1>Log in to this coordinator</h1>
        <p class="sub">Open the link <code>sweep serve</code> printed, or paste a token: the admin token
        (<code>SWEEP_ADMIN_TOKEN</code>) or the read-only viewer token (<code>SWEEP_VIEWER_TOKEN</code>) from the
        tokens file next to the database.</p>\(note)
        <form method="post" action="/login"><input type="hidden" name="next" value="\(E.escape(next))">
        <label>Token<input type="password" name="token" autocomplete="off" autofocus></label>
        <button type="submit">Log in</button></form></div>
        """, script: false)
  }

  static func problem(_ title: String, _ message: String, session: DashboardSession?) -> String {
    page(
      title: title, session: session,
      body:
        "<h1>\(E.escape(title))</h1><p class=\"message\">\(E.escape(message))</p><p><a href=\"/\">All sweeps</a></p>",
      script: false)
  }

  // MARK: the list of sweeps

  static func sweepList(_ sweeps: [SweepStatus], session: DashboardSession) -> String {
    var body = "<h1>Sweeps</h1><p class=\"sub\">Newest first · updated <span id=\"updated\">now</span></p>"
    guard !sweeps.isEmpty else {
      return page(
        title: "Sweeps", session: session,
        body: body + "<p>No sweep yet. Submit one with <code>sweep submit spec.yaml</code>.</p>")
    }
    body +=
      "<div data-live><table><thead><tr><th>Sweep</th><th>State</th><th>Progress</th><th class=\"num\">Spent / budget</th><th>Best per domain</th></tr></thead><tbody>"
    for status in sweeps.reversed() {
      let counts = status.counts
      let best = status.domains.compactMap { domain in
        domain.best.map { "\(E.escape(domain.domain)) \(E.label($0.value))" }
      }.joined(separator: " · ")
      body += """
        <tr><td><a href="/sweeps/\(E.escape(status.id))">\(E.escape(status.name))</a><div class="params">\(E.escape(status.id))</div></td>
        <td>\(stateBadge(status.state.rawValue))</td>
        <td>\(counts.finished)/\(counts.total)\(meter([(counts.succeeded, "done"), (counts.failed + counts.cancelled + counts.pruned, "failed"), (counts.leased, "running")], total: counts.total))</td>
        <td class="num">$\(status.spentUsd.micros.decimalString) / $\(status.budgetUsd.micros.decimalString)</td>
        <td>\(best.isEmpty ? "—" : best)</td></tr>
        """
    }
    body += "</tbody></table></div>"
    return page(title: "Sweeps", session: session, body: body)
  }

  // MARK: a sweep

  /// How the leaderboard is asked for: sorted by which column, which page of which domain.
  struct BoardQuery {
    var sort = "objective"
    var domain: String? = nil
    var page = 0
    static let pageSize = 20
  }

  static func sweep(
    _ s: SweepSnapshot, plotSection: String, session: DashboardSession, csrf: String, board: BoardQuery
  ) -> String {
    let status = s.status
    var body = "<h1>\(E.escape(status.name)) \(stateBadge(status.state.rawValue))</h1>"
    body +=
      "<p class=\"sub\">\(E.escape(status.id)) · created \(E.escape(status.createdAt)) · \(E.escape(status.objective.goal.rawValue)) \(E.escape(status.objective.metric)) · updated <span id=\"updated\">now</span>"
    if session.role == .admin, status.state == .running || status.state == .paused {
      body += """
         · <form class="inline" method="post" action="/sweeps/\(E.escape(status.id))/cancel" data-confirm="Cancel sweep \(E.escape(status.name))? Running trials are stopped.">
        <input type="hidden" name="csrf" value="\(E.escape(csrf))"><button class="danger" type="submit">Cancel sweep</button></form>
        """
    }
    body += "</p>"
    body += "<div data-live>" + summary(s) + progress(s) + running(s) + money(s) + "</div>"
    var behind = ""
    if s.records.count < status.counts.finished {
      behind =
        "<p class=\"note\">The leaderboard and the plots show \(s.records.count) of the \(status.counts.finished) finished trials; they catch up within seconds (a large sweep's results are read again at most every few seconds).</p>"
    }
    body += "<div data-live>" + behind + leaderboard(s, board: board) + "</div>"
    body += "<div data-live>" + plotSection + "</div>"
    return page(title: status.name, session: session, body: body)
  }

  static func summary(_ s: SweepSnapshot) -> String {
    let status = s.status
    let counts = status.counts
    let budget = status.budgetUsd.micros
    let eta = s.progress.etaS.map { DurationText.approximate(seconds: $0) } ?? "—"
    let best = status.domains.compactMap { d in d.best.map { "\(E.escape(d.domain)): \(E.label($0.value))" } }
    return """
      <div class="cards">
      <div class="card"><div class="k">Trials</div><div class="v">\(counts.finished) / \(counts.total)</div>
      <div class="note">\(counts.succeeded) succeeded · \(counts.failed) failed · \(counts.leased) running · \(counts.pending + counts.waiting) waiting</div>
      \(meter([(counts.succeeded, "done"), (counts.failed + counts.cancelled + counts.pruned, "failed"), (counts.leased, "running")], total: counts.total))</div>
      <div class="card"><div class="k">Spent of budget</div><div class="v" id="spent">$\(status.spentUsd.micros.decimalString) <span class="note">of $\(budget.decimalString)</span></div>
      <div class="note">reserved $\(status.reservedUsd.micros.decimalString) · remaining $\(status.remainingUsd.micros.decimalString)</div>
      \(meter([(Int(status.spentUsd.micros.value), "spent"), (Int(status.reservedUsd.micros.value), "held")], total: Int(max(1, budget.value))))</div>
      <div class="card"><div class="k">Time left</div><div class="v">\(eta)</div><div class="note">\(s.progress.running.count) trial(s) running now</div></div>
      <div class="card"><div class="k">Best \(E.escape(status.objective.metric))</div><div class="v">\(best.first ?? "—")</div><div class="note">\(best.dropFirst().joined(separator: " · "))</div></div>
      </div>
      """
  }

  static func progress(_ s: SweepSnapshot) -> String {
    var html =
      "<h2>Progress</h2><table><thead><tr><th>Domain</th><th>Stage</th><th class=\"num\">Done</th><th class=\"num\">Succeeded</th><th class=\"num\">Failed</th><th class=\"num\">Pruned</th><th class=\"num\">Running</th><th class=\"num\">Waiting</th><th style=\"width:30%\"></th></tr></thead><tbody>"
    for domain in s.progress.domains {
      let c = domain.counts
      html += """
        <tr><td>\(E.escape(domain.domain))</td><td>\(E.escape(domain.stage ?? "—"))</td><td class="num">\(c.finished)/\(c.total)</td>
        <td class="num">\(c.succeeded)</td><td class="num">\(c.failed)</td><td class="num">\(c.pruned)</td><td class="num">\(c.leased)</td>
        <td class="num">\(c.pending + c.waiting)</td><td>\(meter([(c.succeeded, "done"), (c.failed + c.cancelled + c.pruned, "failed"), (c.leased, "running")], total: c.total))</td></tr>
        """
    }
    return html + "</tbody></table>"
  }

  static func running(_ s: SweepSnapshot) -> String {
    var html = "<h2>Running trials</h2>"
    guard !s.progress.running.isEmpty else { return html + "<p class=\"note\">Nothing is running right now.</p>" }
    let metric = s.status.objective.metric
    html +=
      "<table id=\"running\"><thead><tr><th>Trial</th><th>Domain</th><th>Worker</th><th class=\"num\">Attempt</th><th class=\"num\">Epoch</th><th>Latest metrics</th><th>Curve</th><th>Started</th></tr></thead><tbody>"
    for trial in s.progress.running {
      let curveMetric =
        trial.history.contains { $0.metrics[metric] != nil } ? metric : (trial.metrics.keys.sorted().first ?? metric)
      let curve = trial.history.compactMap { $0.metrics[curveMetric] }
      let metrics = trial.metrics.sorted { $0.key < $1.key }.prefix(4).map {
        "\(E.escape($0.key)) \(E.label($0.value))"
      }
      html += """
        <tr><td><a href="/sweeps/\(E.escape(s.status.id))/trials/\(E.escape(trial.trialId))">\(E.escape(trial.trialId))</a><div class="params">\(paramsText(trial.params))</div></td>
        <td>\(E.escape(trial.domain))</td><td>\(E.escape(trial.worker))</td><td class="num">\(trial.attempt)</td>
        <td class="num">\(trial.epoch.map(E.label) ?? "—")</td><td>\(metrics.isEmpty ? "—" : metrics.joined(separator: " · "))</td>
        <td title="\(E.escape(curveMetric)) at each heartbeat">\(SVGPlot.sparkline(curve))</td><td>\(E.escape(trial.startedAt))</td></tr>
        """
    }
    return html + "</tbody></table>"
  }

  static func money(_ s: SweepSnapshot) -> String {
    var html = "<h2>Money</h2><div class=\"plots\">" + SVGPlot.render(spendPlot(s), width: 640, height: 280)
    let status = s.status
    var parts: [String] = []
    if let idle = status.idleSpentUsd, idle.micros > .zero {
      parts.append("idle paid workers $\(idle.micros.decimalString)")
    }
    if let fees = status.feesSpentUsd, fees.micros > .zero {
      parts.append("subscriptions $\(fees.micros.decimalString)")
    }
    if let trials = status.trialCostSpentUsd, trials.micros > .zero {
      parts.append("priced trials $\(trials.micros.decimalString)")
    }
    html += "</div>"
    if !parts.isEmpty { html += "<p class=\"note\">Of the spend: \(parts.joined(separator: " · ")).</p>" }
    html +=
      "<h3>Workers</h3><table id=\"workers\"><thead><tr><th>Worker</th><th>Provider</th><th class=\"num\">$/h</th><th>State</th><th class=\"num\">Billed</th><th class=\"num\">Working</th><th class=\"num\">Idle</th><th style=\"width:16%\">Billed time</th><th class=\"num\">Trials</th><th class=\"num\">Spent</th></tr></thead><tbody>"
    for worker in s.workers {
      let billing = worker.billing
      let billed = billing.map { DurationText.approximate(seconds: $0.billedS) } ?? "—"
      let working = billing.map { DurationText.approximate(seconds: $0.workingS) } ?? "—"
      let idle = billing.map { DurationText.approximate(seconds: $0.idleS) } ?? "—"
      let bar =
        billing.map { meter([(Int($0.workingS), "work"), (Int($0.idleS), "idle")], total: Int(max(1, $0.billedS))) }
        ?? ""
      let spent = billing.map { "$" + $0.billedUsd.micros.decimalString } ?? "$" + worker.spentUsd.micros.decimalString
      html += """
        <tr><td>\(E.escape(worker.name))\(worker.gpu.map { "<div class=\"params\">\(E.escape($0))</div>" } ?? "")</td><td>\(E.escape(worker.provider.rawValue))</td>
        <td class="num">\(worker.hourlyCostUsd.micros.decimalString)</td><td>\(stateBadge(worker.state.rawValue))</td>
        <td class="num">\(billed)</td><td class="num">\(working)</td><td class="num">\(idle)</td><td>\(bar)</td>
        <td class="num">\(worker.trialsDone)</td><td class="num">\(spent)</td></tr>
        """
    }
    return html + "</tbody></table>"
  }

  /// Spend and spend + holds over time against the budget, in minutes since the first sample.
  static func spendPlot(_ s: SweepSnapshot) -> PlotData {
    var panel = PlotPanel(title: "Spend against the budget")
    panel.xLabel = "minutes since the sweep began"
    panel.yLabel = "dollars"
    // From nothing at the sweep's start, through the samples, to the ledger as it is now.
    var samples: [(at: Timestamp, spent: Int64, reserved: Int64)] = s.ledger.compactMap { sample in
      Timestamp(iso8601: sample.at).map { ($0, sample.spentUsd.micros.value, sample.reservedUsd.micros.value) }
    }
    let start = Timestamp(iso8601: s.status.createdAt) ?? samples.first?.at
    if let start {
      samples.removeAll { $0.at < start }
      samples.insert((start, 0, 0), at: 0)
      // a finished sweep's line ends with its last result, not at the time the page is read
      let open = s.status.state == .running || s.status.state == .paused
      let end = open ? s.now : (s.records.compactMap(\.finishedAt).max() ?? s.now)
      samples.append((max(end, samples.last!.at), s.status.spentUsd.micros.value, s.status.reservedUsd.micros.value))
      let x = samples.map { Double($0.at.milliseconds - start.milliseconds) / 60_000 }
      let spent = samples.map { Double($0.spent) / 1e6 }
      let committed = samples.map { Double($0.spent + $0.reserved) / 1e6 }
      let budget = Double(s.status.budgetUsd.micros.value) / 1e6
      panel.series = [
        PlotSeries(name: "spent", style: "line", x: x, y: spent),
        PlotSeries(name: "spent + reserved", style: "line", x: x, y: committed),
        PlotSeries(name: "budget", style: "line", x: [0, x.last ?? 1], y: [budget, budget]),
      ]
    }
    return PlotData(kind: "spend", title: "Spend", panels: [panel])
  }

  static func leaderboard(_ s: SweepSnapshot, board: BoardQuery) -> String {
    var html = "<h2>Leaderboard</h2>"
    let metric = s.status.objective.metric
    let parameters = s.spec?.space.map(\.name) ?? Array(Set(s.records.flatMap { $0.params.map(\.0) })).sorted()
    for domain in s.status.domains.map(\.domain) {
      let order = s.boards.order(domain: domain, sort: board.domain == domain ? board.sort : "objective")
      let value = { (r: ResultRecord) in r.metrics.first { $0.0 == metric }?.1 }
      let page = board.domain == domain ? board.page : 0
      let pages = max(1, (order.count + BoardQuery.pageSize - 1) / BoardQuery.pageSize)
      // only the rows of the page are looked at
      let shown = order.dropFirst(page * BoardQuery.pageSize).prefix(BoardQuery.pageSize).map { s.boards.records[$0] }
      let anchor = "board-\(E.escape(domain))"
      func link(_ sort: String, _ page: Int) -> String {
        "?domain=\(E.escape(domain.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? domain))&amp;sort=\(sort)&amp;page=\(page)#\(anchor)"
      }
      html += "<h3 id=\"\(anchor)\">\(E.escape(domain)) <span class=\"note\">\(order.count) succeeded</span></h3>"
      guard !order.isEmpty else {
        html += "<p class=\"note\">No result yet.</p>"
        continue
      }
      html += "<table class=\"board\"><thead><tr><th class=\"num\">#</th><th>Trial</th>"
      html += parameters.map { "<th>\(E.escape($0))</th>" }.joined()
      html +=
        "<th class=\"num\"><a href=\"\(link("objective", 0))\">\(E.escape(metric))</a></th><th class=\"num\"><a href=\"\(link("cost", 0))\">cost</a></th><th class=\"num\"><a href=\"\(link("duration", 0))\">duration</a></th><th>Worker</th></tr></thead><tbody>"
      for (offset, record) in shown.enumerated() {
        let params = Dictionary(record.params.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        html += "<tr><td class=\"num\">\(page * BoardQuery.pageSize + offset + 1)</td>"
        html +=
          "<td><a href=\"/sweeps/\(E.escape(s.status.id))/trials/\(E.escape(record.trialID))\">\(E.escape(record.trialID))</a></td>"
        html += parameters.map { "<td title=\"\(E.escape(params[$0]?.canonical ?? ""))\">\(display(params[$0]))</td>" }
          .joined()
        html +=
          "<td class=\"num\">\(value(record).map(E.label) ?? "—")</td><td class=\"num\">$\(record.cost.decimalString)</td>"
        html +=
          "<td class=\"num\">\(record.durationSeconds.map { DurationText.approximate(seconds: $0) } ?? "—")</td><td>\(E.escape(record.worker ?? "—"))</td></tr>"
      }
      html += "</tbody></table>"
      if pages > 1 {
        let sort = board.domain == domain ? board.sort : "objective"
        html += "<div class=\"pager\">page \(page + 1) of \(pages)"
        if page > 0 { html += " · <a href=\"\(link(sort, page - 1))\">previous</a>" }
        if page + 1 < pages { html += " · <a href=\"\(link(sort, page + 1))\">next</a>" }
        html += "</div>"
      }
    }
    return html
  }

  /// The plots; points link to their trial's page unless `linked` is false (the report).
  static func plotSection(_ plots: [PlotData], sweepID: String, linked: Bool = true) -> String {
    var html = "<h2>Plots</h2>"
    for plot in plots {
      html +=
        "<h3 id=\"plot-\(plot.kind)\">\(E.escape(plot.title))</h3><div class=\"plots\" data-plot=\"\(plot.kind)\">"
      html += SVGPlot.render(plot, link: linked ? { "/sweeps/\(sweepID)/trials/\($0)" } : nil) + "</div>"
    }
    return html
  }

  // MARK: a trial

  static func trial(_ detail: TrialDetail, status: SweepStatus, session: DashboardSession, artifact: ArtifactInfo?)
    -> String
  {
    var body =
      "<p class=\"sub\"><a href=\"/sweeps/\(E.escape(status.id))\">\(E.escape(status.name))</a> · \(E.escape(detail.domain)) · \(E.escape(detail.origin))</p>"
    body += "<h1>Trial \(E.escape(detail.trialID)) \(stateBadge(detail.state))</h1>"
    body += "<div data-live><div class=\"cards\">"
    body +=
      "<div class=\"card\"><div class=\"k\">\(E.escape(status.objective.metric))</div><div class=\"v\">\(detail.objective.map(E.label) ?? "—")</div></div>"
    let cost = detail.attempts.reduce(MicroDollars.zero) { $0.adding($1.cost) ?? $0 }
    body +=
      "<div class=\"card\"><div class=\"k\">Cost</div><div class=\"v\">$\(cost.decimalString)</div><div class=\"note\">\(detail.attempts.count) attempt(s)</div></div>"
    body +=
      "<div class=\"card\"><div class=\"k\">Parameters</div><div>\(detail.params.map { "\(E.escape($0.0)) = <b>\(E.escape($0.1.canonical))</b>" }.joined(separator: "<br>"))</div></div>"
    body += "</div>"
    // metric history: one panel per metric the heartbeats carried, x = epoch when known
    var panels: [PlotPanel] = []
    let names = Array(Set(detail.history.flatMap { $0.point.metrics.keys })).sorted()
    for name in names.prefix(4) {
      var panel = PlotPanel(title: name)
      panel.xLabel = detail.history.contains { $0.point.epoch != nil } ? "epoch" : "heartbeat"
      panel.yLabel = name
      for attempt in Set(detail.history.map(\.attempt)).sorted() {
        let points = detail.history.filter { $0.attempt == attempt && $0.point.metrics[name] != nil }
        guard !points.isEmpty else { continue }
        panel.series.append(
          PlotSeries(
            name: "attempt \(attempt)", style: "line",
            x: points.enumerated().map { $0.element.point.epoch ?? Double($0.offset) },
            y: points.map { $0.point.metrics[name]! }))
      }
      panels.append(panel)
    }
    body += "<h2>Metric history</h2>"
    body +=
      panels.isEmpty
      ? "<p class=\"note\">No heartbeat carried metrics for this trial (they come every third of the lease TTL while it runs).</p>"
      : "<div class=\"plots\">"
        + SVGPlot.render(PlotData(kind: "trial", title: "Metrics", panels: panels), width: 460, height: 260) + "</div>"
    body +=
      "<h2>Attempts</h2><table><thead><tr><th class=\"num\">#</th><th>State</th><th>Worker</th><th>Started</th><th>Ended</th><th class=\"num\">Cost</th><th>Final metrics</th><th>Reason</th></tr></thead><tbody>"
    for attempt in detail.attempts {
      let metrics = (detail.metrics[attempt.attempt] ?? [:]).sorted { $0.key < $1.key }.prefix(6)
        .map { "\(E.escape($0.key)) \(E.label($0.value))" }.joined(separator: " · ")
      body += """
        <tr><td class="num">\(attempt.attempt)</td><td>\(stateBadge(attempt.state))</td><td>\(E.escape(attempt.worker))</td>
        <td>\(attempt.startedAt.iso8601)</td><td>\(attempt.endedAt?.iso8601 ?? "—")</td><td class="num">$\(attempt.cost.decimalString)</td>
        <td>\(metrics.isEmpty ? "—" : metrics)</td><td style="white-space:normal">\(E.escape(attempt.reason ?? "—"))</td></tr>
        """
    }
    body += "</tbody></table>"
    if let tail = detail.outputTail, !tail.isEmpty {
      body += "<h2>Output (last lines)</h2><pre class=\"tail\">\(E.escape(tail))</pre>"
    }
    if let artifact {
      body +=
        "<h2>Output folder</h2><p><a href=\"/sweeps/\(E.escape(status.id))/trials/\(E.escape(detail.trialID))/artifact.tar\">Download the output folder</a> (attempt \(artifact.attempt), \(artifact.bytes / 1024) KiB tar, sha256 <code>\(E.escape(String(artifact.sha256.prefix(16))))…</code>), or <code>sweep artifacts \(E.escape(status.id)) --trial \(E.escape(detail.trialID))</code> to unpack and check it.</p>"
    } else {
      body +=
        "<p class=\"note\">No output folder is kept for this trial (the spec's <code>artifacts:</code> keeps the best of each domain).</p>"
    }
    body += "</div>"
    return page(title: "Trial \(detail.trialID)", session: session, body: body)
  }

  // MARK: pieces

  static func stateBadge(_ state: String) -> String {
    "<span class=\"state \(E.escape(state))\">\(E.escape(state))</span>"
  }

  static func meter(_ parts: [(Int, String)], total: Int) -> String {
    guard total > 0 else { return "<div class=\"meter\"></div>" }
    let spans = parts.filter { $0.0 > 0 }.map { count, kind in
      "<span class=\"\(kind)\" style=\"width:\(String(format: "%.2f", min(100, 100 * Double(count) / Double(total))))%\"></span>"
    }
    return "<div class=\"meter\">\(spans.joined())</div>"
  }

  /// A parameter's value in a table: numbers in three significant digits (the exact value is
  /// the cell's tooltip and in the exports).
  static func display(_ value: ParameterValue?) -> String {
    switch value {
    case .double(let number): E.escape(PlotBuilder.short(number))
    case .some(let other): E.escape(other.canonical)
    case nil: "—"
    }
  }

  static func paramsText(_ params: [String: ParameterValue]) -> String {
    params.sorted { $0.key < $1.key }.map { "\(E.escape($0.key))=\(display($0.value))" }.joined(separator: " ")
  }
}
