import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep report SWEEP -o report.html`: the dashboard's tables and plots as one self-contained
/// HTML file (inline CSS and SVG, nothing fetched), or `--format md`: Markdown with an SVG file
/// per plot beside it.
struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a sweep's tables and plots to one file to share (HTML, or Markdown with SVGs).",
    discussion: """
      The HTML report opens anywhere, offline: its styles and plots are inside it. With --format md the \
      plots are written beside the Markdown file as NAME-KIND.svg (history, slice, parallel, importance, \
      pareto, and transfer for a sweep with transfer).
      """)

  @Argument(help: "The sweep id.") var sweep: String
  @Option(name: .shortAndLong, help: "The file to write (default: report.html, or report.md with --format md).")
  var output: String?
  @Option(help: "html (default) or md.") var format: String = "html"
  @OptionGroup var admin: AdminOptions

  func validate() throws {
    guard ["html", "md"].contains(format) else {
      throw ValidationError("--format: expected html or md, got '\(format)'")
    }
  }

  func run() async throws {
    let client = try admin.client()
    let path = output ?? (format == "md" ? "report.md" : "report.html")
    if format == "html" {
      let reply = try await client.send(.GET, "/v1/sweeps/\(sweep)/report")
      try write(reply.body, to: path)
      StandardOutput.error("wrote \(path) (\(reply.body.count) bytes, self-contained)")
      return
    }
    let status = try client.decode(SweepStatus.self, try await client.send(.GET, "/v1/sweeps/\(sweep)"))
    let stem = (path as NSString).deletingPathExtension
    let folder = (path as NSString).deletingLastPathComponent
    var text = "# \(status.name)\n\nSweep `\(status.id)`, \(status.state.rawValue): "
    text += "\(status.counts.finished) of \(status.counts.total) trials finished, "
    text += "$\(status.spentUsd.micros.decimalString) spent of $\(status.budgetUsd.micros.decimalString).\n\n"
    text += "| domain | trials | best \(status.objective.metric) | best trial |\n|---|---|---|---|\n"
    for domain in status.domains {
      text +=
        "| \(domain.domain) | \(domain.counts.finished)/\(domain.counts.total) | \(domain.best.map { String($0.value) } ?? "—") | \(domain.best?.trialId ?? "—") |\n"
    }
    for kind in ["history", "slice", "parallel", "importance", "pareto", "transfer"] {
      let reply: AdminClient.Reply
      do {
        reply = try await client.send(.GET, "/v1/sweeps/\(sweep)/plots/\(kind).svg")
      } catch {
        if kind == "transfer" { continue }  // only a sweep with transfer has it
        throw error
      }
      let file = "\(stem)-\(kind).svg"
      try write(reply.body, to: file)
      text += "\n## \(kind)\n\n![\(kind)](\((file as NSString).lastPathComponent))\n"
    }
    try write(Data(text.utf8), to: path)
    StandardOutput.error("wrote \(path) and its plots in \(folder.isEmpty ? "." : folder)")
  }

  func write(_ data: Data, to path: String) throws {
    do {
      try data.write(to: URL(fileURLWithPath: path))
    } catch {
      throw CLIError(.runtime, "\(path): cannot write (\(error.localizedDescription))")
    }
  }
}
