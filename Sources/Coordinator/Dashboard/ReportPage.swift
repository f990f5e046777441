import Foundation
import Shared

/// `sweep report`: a sweep's page as one self-contained HTML file — the stylesheet inline, the
/// plots as inline SVG, no script, nothing fetched — to attach to an email or a pull request.
public enum ReportPage {
  typealias E = SVGPlot

  public static func html(_ s: SweepSnapshot, plots: [PlotData], generatedAt: Timestamp) -> String {
    let status = s.status
    var body = "<h1>\(E.escape(status.name)) \(DashboardPages.stateBadge(status.state.rawValue))</h1>"
    body +=
      "<p class=\"sub\">Sweep \(E.escape(status.id)) · \(E.escape(status.objective.goal.rawValue)) \(E.escape(status.objective.metric)) · report made \(generatedAt.iso8601) by LoRASweep</p>"
    body += DashboardPages.summary(s) + DashboardPages.progress(s) + DashboardPages.money(s)
    body += leaderboard(s, top: 10)
    body += DashboardPages.plotSection(plots, sweepID: status.id, linked: false)
    return """
      <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(E.escape(status.name)) · LoRASweep report</title><style>\(DashboardAssets.css)</style></head>
      <body><header class="top"><span class="brand">LoRASweep</span><span>report</span></header><main>\(body)</main></body></html>
      """
  }

  /// The best `top` trials of each domain, with their parameters.
  static func leaderboard(_ s: SweepSnapshot, top: Int) -> String {
    let objective = s.status.objective
    let parameters = s.spec?.space.map(\.name) ?? []
    var html = "<h2>Best configurations</h2>"
    for domain in s.status.domains.map(\.domain) {
      let rows = s.records.filter { $0.domain == domain && $0.status == TrialState.succeeded.rawValue }
        .compactMap { record in record.metrics.first { $0.0 == objective.metric }.map { (record, $0.1) } }
        .sorted { objective.isBetter($0.1, than: $1.1) }.prefix(top)
      html += "<h3>\(E.escape(domain))</h3>"
      guard !rows.isEmpty else {
        html += "<p class=\"note\">No result.</p>"
        continue
      }
      html +=
        "<table><thead><tr><th class=\"num\">#</th><th>Trial</th>"
        + parameters.map { "<th>\(E.escape($0))</th>" }.joined()
      html +=
        "<th class=\"num\">\(E.escape(objective.metric))</th><th class=\"num\">cost</th><th>Worker</th></tr></thead><tbody>"
      for (rank, (record, value)) in rows.enumerated() {
        let params = Dictionary(record.params.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        html += "<tr><td class=\"num\">\(rank + 1)</td><td>\(E.escape(record.trialID))</td>"
        html += parameters.map { "<td>\(E.escape(params[$0]?.canonical ?? "—"))</td>" }.joined()
        html +=
          "<td class=\"num\">\(E.label(value))</td><td class=\"num\">$\(record.cost.decimalString)</td><td>\(E.escape(record.worker ?? "—"))</td></tr>"
      }
      html += "</tbody></table>"
    }
    return html
  }
}
