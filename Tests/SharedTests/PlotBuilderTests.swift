import Shared
import Testing

/// The plots' data from finished trials: what each plot holds, its axes, and that it stays small.
@Suite struct PlotBuilderTests {
  static let context = PlotContext(
    objective: Objective(metric: "accuracy", goal: .maximize),
    parameters: [
      Parameter(name: "rank", kind: .integer(lower: 4, upper: 64, step: 1, log: true, gridPoints: nil)),
      Parameter(name: "optimizer", kind: .values([.string("adamw"), .string("sgd")])),
      Parameter(name: "epochs", kind: .fixed(.int(3))),
    ], domains: ["financial", "legal"], transfer: Transfer(source: "financial", topK: 2, targets: ["legal"]))

  static func records(_ count: Int) -> [PlotRecord] {
    (0..<count).map { index in
      let rank = ParameterValue.int(Int64(4 << (index % 5)))
      let optimizer = ParameterValue.string(index % 3 == 0 ? "sgd" : "adamw")
      let params: [(String, ParameterValue)] = [("rank", rank), ("optimizer", optimizer), ("epochs", .int(3))]
      let accuracy: Double? = index % 7 == 6 ? nil : 0.5 + Double(index % 5) / 20 + Double(index % 3) / 100
      let origin = index >= count - 4 ? TrialOrigin.transferred.rawValue : TrialOrigin.sampled.rawValue
      return PlotRecord(
        domain: index % 2 == 0 ? "financial" : "legal", trialID: "t\(index)", params: params, objective: accuracy,
        cost: Double(index % 4) / 10, finishedAt: Timestamp(milliseconds: 1_000_000 + Int64(index) * 1_000),
        origin: origin)
    }
  }

  @Test func theSliceHasALogAxisForALogSpaceAndCategoriesForChoicesAndSkipsFixedParameters() throws {
    let plot = try #require(PlotBuilder.plot("slice", records: Self.records(60), context: Self.context))
    #expect(plot.panels.map(\.title) == ["rank", "optimizer"])
    #expect(plot.panels[0].xLog && plot.panels[0].categories == nil)
    #expect(plot.panels[1].categories == ["adamw", "sgd"] && !plot.panels[1].xLog)
    // failed trials (no objective) are not drawn
    let drawn = plot.panels[0].series.reduce(0) { $0 + $1.x.count }
    #expect(drawn == Self.records(60).filter { $0.objective != nil }.count)
  }

  @Test func historyHasEachDomainsPointsAndABestSoFarThatNeverGetsWorse() throws {
    let plot = try #require(PlotBuilder.plot("history", records: Self.records(80), context: Self.context))
    let best = plot.panels[0].series.filter { $0.name.hasSuffix(" best") }
    #expect(best.map(\.name) == ["financial best", "legal best"])
    for line in best { #expect(zip(line.y, line.y.dropFirst()).allSatisfy { $0 <= $1 }) }
  }

  @Test func aHundredThousandResultsStayWithinTheLimitAndKeepTheBestAndTheFrontier() throws {
    let records = Self.records(100_000)
    let limit = 1_000
    let pareto = try #require(PlotBuilder.plot("pareto", records: records, context: Self.context, limit: limit))
    let points = pareto.panels[0].series.filter { $0.style == "points" }
    let frontier = try #require(pareto.panels[0].series.first { $0.name == "frontier" })
    let drawnIDs = Set(points.flatMap { $0.ids ?? [] })
    #expect(points.reduce(0) { $0 + $1.x.count } <= limit + frontier.x.count)
    #expect(Set(frontier.ids ?? []).isSubset(of: drawnIDs), "every frontier point is drawn")
    let scored = records.filter { $0.objective != nil }.count
    #expect(pareto.omitted == scored - points.reduce(0) { $0 + $1.x.count })
    let parallel = try #require(PlotBuilder.plot("parallel", records: records, context: Self.context, limit: limit))
    #expect((parallel.panels[0].lines?.count ?? 0) <= 400)
    #expect(parallel.panels[0].axes?.map(\.name) == ["rank", "optimizer", "accuracy"])
  }

  @Test func theTransferHeatMapHasEachCarriedConfigurationInEachDomain() throws {
    let plot = try #require(PlotBuilder.plot("transfer", records: Self.records(40), context: Self.context))
    let heat = try #require(plot.panels.first?.heat)
    #expect(heat.columns == ["financial", "legal"])
    #expect(!heat.rows.isEmpty && heat.values.count == heat.rows.count)
    #expect(heat.values.allSatisfy { $0.count == 2 })
    // without transfer there is no such plot
    var plain = Self.context
    plain.transfer = nil
    #expect(PlotBuilder.plot("transfer", records: Self.records(40), context: plain) == nil)
    #expect(PlotBuilder.plot("nonsense", records: [], context: plain) == nil)
  }

  @Test func labelsHaveThreeSignificantDigits() {
    #expect(PlotBuilder.short(16) == "16")
    #expect(PlotBuilder.short(0.009484811149270779) == "0.00948")
    #expect(PlotBuilder.short(0.7471) == "0.747")
    #expect(PlotBuilder.short(1.241704203169331e-06) == "1.24e-6")
    #expect(PlotBuilder.short(123.456) == "123")
  }
}
