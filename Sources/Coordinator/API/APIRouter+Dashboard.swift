import Foundation
import Hummingbird
import Shared

extension APIRouter {
  /// The JSON the dashboard's pages are built from, for anyone's tools: the admin or the viewer token.
  static func addDashboardDataRoutes(_ routes: Routes, _ env: APIEnvironment, _ dashboard: DashboardEnvironment) {
    routes.reader.get("/v1/sweeps/{id}/progress") { _, context in
      let snapshot = try await dashboard.data.snapshot(sweepID: try parameter(context, "id"))
      return try JSONResponse.make(snapshot.progress)
    }
    routes.reader.get("/v1/sweeps/{id}/timeline") { _, context in
      return try JSONResponse.make(try await dashboard.data.timeline(sweepID: try parameter(context, "id")))
    }
    routes.reader.get("/v1/sweeps/{id}/plots/{kind}") { _, context in
      var kind = try parameter(context, "kind")
      // `KIND.svg`: the plot drawn, as the dashboard draws it (for `sweep report --format md`).
      let svg = kind.hasSuffix(".svg")
      if svg { kind.removeLast(4) }
      guard let plot = try await dashboard.data.plot(kind, sweepID: try parameter(context, "id")) else {
        throw APIError(
          .notFound, "plot_not_found",
          "no plot '\(kind)' for this sweep; the kinds are \(PlotBuilder.kinds.joined(separator: ", ")) (transfer only in a sweep with transfer)"
        )
      }
      if svg {
        return JSONResponse.text(SVGPlot.standalone(plot), contentType: "image/svg+xml")
      }
      return try JSONResponse.make(plot)
    }
    routes.reader.get("/v1/sweeps/{id}/report") { _, context in
      let snapshot = try await dashboard.data.snapshot(sweepID: try parameter(context, "id"))
      let plots = try await dashboard.data.plots(snapshot.status)
      return JSONResponse.text(
        ReportPage.html(snapshot, plots: plots, generatedAt: env.clock.now), contentType: "text/html; charset=utf-8")
    }
  }
}
