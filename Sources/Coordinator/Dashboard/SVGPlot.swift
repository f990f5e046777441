import Foundation
import Shared

/// Draws ``PlotData`` as inline SVG on the server: no chart library, no script, nothing fetched,
/// so the same markup serves the live page and the one-file report, and prints and screenshots
/// as it looks.
public enum SVGPlot {
  /// Okabe–Ito colours: told apart with every common colour-vision deficiency.
  static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#444444"]

  /// Every panel of a plot, each its own SVG. `link` turns a point's trial id into an address.
  public static func render(_ data: PlotData, width: Int = 560, height: Int = 320, link: ((String) -> String)? = nil)
    -> String
  {
    var html = data.panels.map { panel(panel: $0, width: width, height: height, link: link).svg }.joined()
    if data.omitted > 0 {
      html +=
        "<p class=\"note\">\(data.omitted) of the points are not drawn (the best and the frontier always are).</p>"
    }
    return html
  }

  /// One SVG file of a whole plot, its panels one under another, with its styles inside.
  public static func standalone(_ data: PlotData, width: Int = 560, height: Int = 320) -> String {
    var body = ""
    var y = 0
    var widest = 0
    for item in data.panels {
      let drawn = panel(panel: item, width: width, height: height, link: nil)
      body += "<g transform=\"translate(0 \(y))\">\(drawn.svg)</g>"
      y += drawn.height + 12
      widest = max(widest, drawn.width)
    }
    return
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(widest)\" height=\"\(max(y, 20))\" viewBox=\"0 0 \(widest) \(max(y, 20))\"><style>svg{font-family:system-ui,sans-serif}\(DashboardAssets.css)</style>\(body)</svg>"
  }

  /// One panel as SVG, with its size.
  static func panel(panel: PlotPanel, width: Int, height: Int, link: ((String) -> String)?) -> (
    svg: String, width: Int, height: Int
  ) {
    if let heat = panel.heat {
      let size = heatMapSize(heat)
      return (heatMap(panel.title, heat), size.width, size.height)
    } else if let bars = panel.bars {
      return (barChart(panel, bars, width: width), width, barChartHeight(bars))
    } else if let axes = panel.axes, let lines = panel.lines {
      let w = max(width, 140 * axes.count)
      return (parallel(panel.title, axes, lines, width: w, height: height), w, height)
    }
    return (scatter(panel, width: width, height: height, link: link), width, height)
  }

  // MARK: scatter, lines and steps on two axes

  static func scatter(_ panel: PlotPanel, width: Int, height: Int, link: ((String) -> String)?) -> String {
    let left = 66.0
    let right = 12.0
    let top = 40.0
    let bottom = 40.0
    let w = Double(width) - left - right
    let h = Double(height) - top - bottom
    let xs = panel.series.flatMap(\.x)
    let ys = panel.series.flatMap(\.y)
    guard !xs.isEmpty else { return empty(panel.title, width: width, height: height) }
    let categorical = panel.categories != nil
    let xAxis = Axis(
      values: categorical ? [-0.5, Double((panel.categories?.count ?? 1) - 1) + 0.5] : xs, log: panel.xLog)
    let yAxis = Axis(values: ys, log: false)
    func px(_ x: Double) -> Double { left + xAxis.position(x) * w }
    func py(_ y: Double) -> Double { top + (1 - yAxis.position(y)) * h }
    var svg = open(width: width, height: height, label: panel.title)
    svg += "<text class=\"title\" x=\"\(f(left))\" y=\"16\">\(escape(panel.title))</text>"
    // grid and ticks
    let yTicks = yAxis.ticks()
    for tick in yTicks {
      let y = py(tick)
      svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(left + w))\" y1=\"\(f(y))\" y2=\"\(f(y))\"/>"
      svg +=
        "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(tickLabel(tick, among: yTicks, log: false))</text>"
    }
    if let categories = panel.categories {
      for (index, name) in categories.enumerated() {
        svg +=
          "<text class=\"tick\" x=\"\(f(px(Double(index))))\" y=\"\(f(top + h + 16))\" text-anchor=\"middle\">\(escape(String(name.prefix(14))))</text>"
      }
    } else {
      let xTicks = xAxis.ticks()
      for tick in xTicks {
        let x = px(tick)
        svg += "<line class=\"grid\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + h))\"/>"
        svg +=
          "<text class=\"tick\" x=\"\(f(x))\" y=\"\(f(top + h + 16))\" text-anchor=\"middle\">\(tickLabel(tick, among: xTicks, log: panel.xLog))</text>"
      }
    }
    svg += "<rect class=\"frame\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\"/>"
    svg +=
      "<text class=\"axis\" x=\"\(f(left + w / 2))\" y=\"\(height - 6)\" text-anchor=\"middle\">\(escape(panel.xLabel))\(panel.xLog ? " (log)" : "")</text>"
    svg +=
      "<text class=\"axis\" transform=\"translate(13 \(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>"
    // series: the colour follows the domain, so a domain's points and its best line match
    var colours: [String: String] = [:]
    func colour(_ name: String) -> String {
      let base = name.hasSuffix(" best") ? String(name.dropLast(5)) : name
      if name == "frontier" { return "#222222" }
      if let known = colours[base] { return known }
      let next = palette[colours.count % palette.count]
      colours[base] = next
      return next
    }
    for series in panel.series {
      let c = colour(series.name)
      switch series.style {
      case "line", "step":
        var d = ""
        for index in series.x.indices {
          let x = px(series.x[index])
          let y = py(series.y[index])
          if index == 0 {
            d += "M\(f(x)) \(f(y))"
          } else if series.style == "step" {
            d += "H\(f(x))V\(f(y))"
          } else {
            d += "L\(f(x)) \(f(y))"
          }
        }
        let dash = series.name == "frontier" ? " stroke-dasharray=\"5 3\"" : ""
        svg += "<path class=\"series\" d=\"\(d)\" stroke=\"\(c)\"\(dash)><title>\(escape(series.name))</title></path>"
      default:
        for index in series.x.indices {
          let tip =
            "\(series.name): \(label(series.y[index])) at \(categorical ? panel.categories?[Int(series.x[index])] ?? "" : label(series.x[index]))"
            + (series.ids.map { " — trial \($0[index])" } ?? "")
          let dot =
            "<circle class=\"dot\" cx=\"\(f(px(series.x[index])))\" cy=\"\(f(py(series.y[index])))\" r=\"3\" fill=\"\(c)\"><title>\(escape(tip))</title></circle>"
          if let link, let id = series.ids?[index] {
            svg += "<a href=\"\(escape(link(id)))\">\(dot)</a>"
          } else {
            svg += dot
          }
        }
      }
    }
    // legend, between the title and the frame
    var legendX = left
    for name in colours.keys.sorted() {
      svg +=
        "<rect x=\"\(f(legendX))\" y=\"\(f(top - 15))\" width=\"10\" height=\"10\" fill=\"\(colours[name]!)\"/><text class=\"legend\" x=\"\(f(legendX + 14))\" y=\"\(f(top - 6))\">\(escape(name))</text>"
      legendX += 22 + Double(name.count) * 6.2
    }
    return svg + "</svg>"
  }

  // MARK: bars

  static func barChartHeight(_ bars: [PlotBar]) -> Int { Int(34 + 22.0 * Double(max(1, bars.count)) + 24) }

  static func barChart(_ panel: PlotPanel, _ bars: [PlotBar], width: Int) -> String {
    let row = 22.0
    let left = 130.0
    let height = barChartHeight(bars)
    let w = Double(width) - left - 60
    let top = 26.0
    var svg = open(width: width, height: height, label: panel.title)
    svg += "<text class=\"title\" x=\"8\" y=\"16\">\(escape(panel.title))</text>"
    let maximum = max(bars.map(\.value).max() ?? 1, 1e-12)
    for (index, bar) in bars.enumerated() {
      let y = top + Double(index) * row
      let length = w * bar.value / maximum
      svg +=
        "<text class=\"tick\" x=\"\(f(left - 8))\" y=\"\(f(y + 14))\" text-anchor=\"end\">\(escape(bar.label))</text>"
      svg +=
        "<rect class=\"bar\" x=\"\(f(left))\" y=\"\(f(y + 3))\" width=\"\(f(max(1, length)))\" height=\"\(f(row - 6))\" fill=\"\(palette[0])\"><title>\(escape(bar.label)): \(Int((bar.value * 100).rounded()))%</title></rect>"
      svg +=
        "<text class=\"tick\" x=\"\(f(left + length + 6))\" y=\"\(f(y + 14))\">\(Int((bar.value * 100).rounded()))%</text>"
    }
    svg +=
      "<text class=\"axis\" x=\"\(f(left))\" y=\"\(height - 6)\">\(escape(panel.xLabel))</text>"
    return svg + "</svg>"
  }

  // MARK: parallel coordinates

  static func parallel(_ title: String, _ axes: [PlotAxis], _ lines: [PlotLine], width: Int, height: Int) -> String {
    let top = 58.0
    let bottom = 30.0
    let left = 40.0
    let step = (Double(width) - 2 * left) / Double(max(1, axes.count - 1))
    let h = Double(height) - top - bottom
    var svg = open(width: width, height: height, label: title)
    svg += "<text class=\"title\" x=\"8\" y=\"16\">\(escape(title))</text>"
    // worst first, so the best lines are drawn on top
    for line in lines.sorted(by: { $0.colour < $1.colour }) {
      let points = line.values.enumerated().map {
        "\(f(left + Double($0.offset) * step)),\(f(top + (1 - $0.element) * h))"
      }
      svg +=
        "<polyline class=\"pc\" points=\"\(points.joined(separator: " "))\" stroke=\"\(ramp(line.colour))\"/>"
    }
    for (index, axis) in axes.enumerated() {
      let x = left + Double(index) * step
      svg += "<line class=\"pcaxis\" x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + h))\"/>"
      svg +=
        "<text class=\"axis\" x=\"\(f(x))\" y=\"\(f(top - 20))\" text-anchor=\"middle\">\(escape(axis.name))\(axis.log ? " (log)" : "")</text>"
      svg += "<text class=\"tick\" x=\"\(f(x + 4))\" y=\"\(f(top - 3))\">\(escape(axis.high))</text>"
      svg += "<text class=\"tick\" x=\"\(f(x + 4))\" y=\"\(f(top + h + 14))\">\(escape(axis.low))</text>"
    }
    return svg + "</svg>"
  }

  /// From worst (pale) to best (deep blue).
  static func ramp(_ t: Double) -> String {
    let t = min(1, max(0, t))
    let from = (222.0, 226.0, 232.0)
    let to = (0.0, 90.0, 160.0)
    func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
    return String(format: "#%02x%02x%02x", mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
  }

  // MARK: heat map

  static func heatMapSize(_ heat: HeatMap) -> (width: Int, height: Int) {
    (Int(300 + 64.0 * Double(heat.columns.count) + 20), Int(56 + 22.0 * Double(heat.rows.count) + 16))
  }

  static func heatMap(_ title: String, _ heat: HeatMap) -> String {
    let cell = 64.0
    let rowHeight = 22.0
    let left = 300.0
    let top = 56.0
    let (width, height) = heatMapSize(heat)
    let values = heat.values.flatMap { $0.compactMap { $0 } }
    let low = values.min() ?? 0
    let high = values.max() ?? 1
    var svg = open(width: width, height: height, label: title)
    svg += "<text class=\"title\" x=\"8\" y=\"16\">\(escape(title))</text>"
    for (column, name) in heat.columns.enumerated() {
      svg +=
        "<text class=\"axis\" x=\"\(f(left + cell * Double(column) + cell / 2))\" y=\"\(f(top - 8))\" text-anchor=\"middle\">\(escape(name))</text>"
    }
    for (row, name) in heat.rows.enumerated() {
      let y = top + rowHeight * Double(row)
      svg +=
        "<text class=\"tick\" x=\"\(f(left - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\">\(escape(String(name.prefix(48))))</text>"
      for column in heat.columns.indices {
        let x = left + cell * Double(column)
        if let value = heat.values[row][column] {
          let t = high > low ? (value - low) / (high - low) : 0.5
          svg +=
            "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 2))\" height=\"\(f(rowHeight - 2))\" fill=\"\(ramp(t))\"><title>\(escape(name)) in \(escape(heat.columns[column])): \(label(value))</title></rect>"
          svg +=
            "<text class=\"cell\(t > 0.6 ? " light" : "")\" x=\"\(f(x + cell / 2 - 1))\" y=\"\(f(y + 15))\" text-anchor=\"middle\">\(label(value))</text>"
        } else {
          svg +=
            "<rect class=\"missing\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 2))\" height=\"\(f(rowHeight - 2))\"/>"
        }
      }
    }
    return svg + "</svg>"
  }

  // MARK: small pieces

  /// A tiny line of values, for a running trial's live curve.
  public static func sparkline(_ values: [Double], width: Int = 120, height: Int = 28) -> String {
    guard values.count > 1, let low = values.min(), let high = values.max() else {
      return
        "<svg class=\"spark\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"no curve yet\"></svg>"
    }
    let span = high > low ? high - low : 1
    let points = values.enumerated().map { index, value in
      "\(f(2 + Double(index) / Double(values.count - 1) * Double(width - 4))),\(f(Double(height) - 3 - (value - low) / span * Double(height - 6)))"
    }
    return
      "<svg class=\"spark\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"live curve\"><polyline points=\"\(points.joined(separator: " "))\"/></svg>"
  }

  static func empty(_ title: String, width: Int, height: Int) -> String {
    open(width: width, height: height, label: title) + "<text class=\"title\" x=\"8\" y=\"16\">\(escape(title))</text>"
      + "<text class=\"note\" x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\">no finished trials yet</text></svg>"
  }

  static func open(width: Int, height: Int, label: String) -> String {
    "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(escape(label))\">"
  }

  /// A coordinate to a tenth of a pixel. Written out by hand: thousands of marks per page, and
  /// `String(format:)` was most of a page's time.
  static func f(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let tenths = Int((value * 10).rounded())
    let magnitude = abs(tenths)
    return (tenths < 0 ? "-" : "") + String(magnitude / 10) + "." + String(magnitude % 10)
  }

  /// A tick label with as many decimals as the step between ticks needs (so 0.0011 and 0.0012
  /// never both read 0.001), or a power of ten on a log axis.
  static func tickLabel(_ value: Double, among ticks: [Double], log: Bool) -> String {
    if log || value == 0 { return label(value) }
    let step = zip(ticks.dropFirst(), ticks).map { abs($0 - $1) }.min() ?? abs(value)
    guard step > 0, step < 1 else { return label(value) }
    let decimals = min(8, Int((-Math.log(step) / Math.log(10)).rounded(.up)))
    if abs(value) < 1e-3 && decimals > 5 { return String(format: "%.2g", value) }
    return String(format: "%.\(decimals)f", value)
  }

  /// A tick or value label: short, without float noise.
  public static func label(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.2g", value) }
    if magnitude >= 100 { return String(format: "%.0f", value) }
    if magnitude >= 1 { return trim(String(format: "%.2f", value)) }
    return trim(String(format: "%.4f", value))
  }

  static func trim(_ text: String) -> String {
    guard text.contains(".") else { return text }
    var text = text
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }

  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }
}

/// One axis of a scatter: its range from the data (padded), linear or log, with round ticks.
struct Axis {
  var low: Double
  var high: Double
  var log: Bool

  init(values: [Double], log: Bool) {
    let usable = log ? values.filter { $0 > 0 } : values
    var low = usable.min() ?? 0
    var high = usable.max() ?? 1
    if log {
      low = Math.log(max(low, 1e-300)) / Math.log(10)
      high = Math.log(max(high, 1e-300)) / Math.log(10)
    }
    if high - low < 1e-12 {
      low -= 0.5
      high += 0.5
    }
    let pad = (high - low) * 0.05
    self.low = low - pad
    self.high = high + pad
    self.log = log
  }

  /// 0 at the low end, 1 at the high end.
  func position(_ value: Double) -> Double {
    let v = log ? Math.log(max(value, 1e-300)) / Math.log(10) : value
    return (v - low) / (high - low)
  }

  /// Round values inside the range: 1-2-5 steps, or powers of ten on a log axis.
  func ticks() -> [Double] {
    if log {
      let first = Int(low.rounded(.up))
      let last = Int(high.rounded(.down))
      guard first <= last else { return [Math.pow(10, (low + high) / 2)] }
      let stride = max(1, (last - first + 1) / 6 + ((last - first + 1) % 6 > 0 ? 1 : 0))
      return Swift.stride(from: first, through: last, by: stride).map { Math.pow(10, Double($0)) }
    }
    let span = high - low
    let raw = span / 5
    let magnitude = Math.pow(10, (Math.log(raw) / Math.log(10)).rounded(.down))
    let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { span / $0 <= 6 } ?? magnitude * 10
    var tick = (low / step).rounded(.up) * step
    var ticks: [Double] = []
    while tick <= high + step * 1e-9, ticks.count < 12 {
      ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
      tick += step
    }
    return ticks
  }
}
