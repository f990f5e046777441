import Foundation
import Shared
import TestSupport
import Testing

/// The dashboard in a real headless Chromium against a real `sweep serve` with a paid and a free
/// worker running a sweep: the rendered DOM holds the sweep, its domains, workers, running
/// trials, spend and budget (as `status --json` says) and every plot; a viewer gets no cancel
/// button; the report renders its plots with the network cut off. Screenshots of each page go to
/// `.build/dashboard-screenshots/` for people to look at.
@Suite(.serialized) struct DashboardBrowserTests {
  @Test func theDashboardRendersTheSweepInARealBrowser() throws {
    let chromium = try HeadlessChromium()
    defer { chromium.cleanUp() }
    let fixture = try WorkerFixture()
    defer { fixture.cleanUp() }
    let serve = try ServeProcess(extraArguments: ["--lease-ttl", "3"])
    defer { serve.cleanUp() }
    let spec = """
      name: browser-check
      budget_usd: 2
      domains: [financial, legal]
      sampler: lhs
      trials_per_domain: 4
      max_attempts: 1
      estimate: {minutes_per_trial: 0.1}
      space:
        mode: {values: [curve]}
        x: {uniform: [0, 1]}
        rank: {int: [4, 64], log: true}
      command: ["\(fixture.script)", "\(fixture.out)", "{mode}", "{x}"]
      """
    let id = try fixture.submit(spec, to: serve)
    let paid = try fixture.worker(serve, name: "gpu-box", rate: "0.36", extra: ["--exit-when-done"])
    let free = try fixture.worker(serve, name: "laptop", extra: ["--exit-when-done"])
    let admin = { (path: String) in "\(serve.url)/login?token=\(serve.adminToken)&next=\(path)" }
    let viewer = { (path: String) in "\(serve.url)/login?token=\(serve.viewerToken)&next=\(path)" }
    let shots = CommandRunner.repositoryRoot.appendingPathComponent(".build/dashboard-screenshots").path
    try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)

    // While it runs: some results in, a trial running with a heartbeat's epoch.
    #expect(
      try fixture.eventually(60) {
        let counts = try fixture.counts(id, serve)
        return (counts["succeeded"] ?? 0) >= 2 && (counts["leased"] ?? 0) >= 1
      }, "\(paid.log)\n\(free.log)")
    var live = ""
    for _ in 0..<5 {
      live = try chromium.dom(admin("/sweeps/\(id)"))
      if live.contains("id=\"running\"") && live.contains("class=\"spark\"") { break }
      usleep(300_000)
    }
    for fragment in ["browser-check", "financial", "legal", "gpu-box", "laptop", "id=\"running\"", "Cancel sweep"] {
      #expect(live.contains(fragment), "the running sweep's page lacks \(fragment)")
    }
    try chromium.screenshot(admin("/sweeps/\(id)"), to: shots + "/sweep-running.png", height: 3200)

    // Finished, both workers gone (their bills closed): the page's money is status --json's.
    #expect(paid.wait(90) == 0, "\(paid.log)")
    #expect(free.wait(30) == 0, "\(free.log)")
    let status = try fixture.status(id, serve)
    #expect(status["state"] as? String == "completed", "\(status)")
    let spent = try #require(status["spent_usd"] as? String)
    let budget = try #require(status["budget_usd"] as? String)
    let page = try chromium.dom(viewer("/sweeps/\(id)"))
    #expect(
      page.contains("id=\"spent\">$\(spent) <span class=\"note\">of $\(budget)</span>"), "spent $\(spent) of $\(budget)"
    )
    for kind in ["history", "slice", "parallel", "importance", "pareto"] {
      #expect(page.contains("data-plot=\"\(kind)\"><svg"), "no \(kind) plot drawn")
    }
    #expect(page.contains("Leaderboard") && page.contains("id=\"workers\""))
    // the viewer sees everything and can change nothing
    #expect(page.contains("viewer (read-only)") && !page.contains("Cancel sweep"))
    let trialID = try #require(
      page.components(separatedBy: "/sweeps/\(id)/trials/").dropFirst().first?.prefix { $0 != "\"" }.description)
    let trial = try chromium.dom(viewer("/sweeps/\(id)/trials/\(trialID)"))
    #expect(
      trial.contains("Metric history") && trial.contains("epoch") && trial.contains("<svg"), "\(trial.prefix(2000))")
    let refused = try chromium.dom("\(serve.url)/login?token=wrong&next=/")
    #expect(refused.contains("not the admin or the viewer token") && refused.contains("<form"))

    try chromium.screenshot(admin("/sweeps/\(id)"), to: shots + "/sweep.png", height: 4200)
    try chromium.screenshot(viewer("/sweeps/\(id)/trials/\(trialID)"), to: shots + "/trial.png", height: 1400)
    try chromium.screenshot(viewer("/"), to: shots + "/sweeps.png", height: 700)
    try chromium.screenshot("\(serve.url)/login?token=wrong", to: shots + "/login.png", height: 700)

    // The report: one file that renders its plots with the network cut off.
    let report = fixture.directory.appendingPathComponent("report.html").path
    let written = try CommandRunner.run(
      "sweep", ["report", id, "-o", report, "--coordinator", serve.url, "--token", serve.adminToken])
    #expect(written.status == 0, "\(written.stderr)")
    let html = try String(contentsOfFile: report, encoding: .utf8)
    let outside = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
    #expect(!outside.contains("http://") && !outside.contains("https://") && !html.contains("<script"))
    let rendered = try chromium.dom("file://" + report, offline: true)
    for kind in ["history", "slice", "parallel", "importance", "pareto"] {
      #expect(rendered.contains("data-plot=\"\(kind)\"><svg"), "the offline report lacks the \(kind) plot")
    }
    try chromium.screenshot("file://" + report, to: shots + "/report.png", height: 3000)
    print("dashboard screenshots: \(shots)")
  }
}
