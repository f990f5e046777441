import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Shared
import Testing

/// The dashboard through the real router: the Jupyter-style login link, the session cookie,
/// the read-only viewer, CSRF on the one form that changes anything, and the pages' content.
@Suite struct DashboardTests {
  struct Page {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String
  }

  static func get(_ client: any TestClientProtocol, _ path: String, cookie: String? = nil) async throws -> Page {
    var headers = HTTPFields()
    if let cookie { headers[.cookie] = "\(DashboardSession.cookieName)=\(cookie)" }
    return try await client.execute(uri: path, method: .get, headers: headers) { response in
      Page(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
  }

  static func post(_ client: any TestClientProtocol, _ path: String, form: String, cookie: String?) async throws -> Page
  {
    var headers = HTTPFields()
    headers[.contentType] = "application/x-www-form-urlencoded"
    if let cookie { headers[.cookie] = "\(DashboardSession.cookieName)=\(cookie)" }
    return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: form)) {
      response in Page(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
  }

  /// Logs in with `token` and returns the session cookie's value.
  static func logIn(_ client: any TestClientProtocol, _ token: String) async throws -> String {
    let page = try await get(client, "/login?token=\(token)&next=/")
    let header = try #require(page.headers[.setCookie], "\(page.status) \(page.text)")
    let value = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1]
    return String(value)
  }

  @Test func theLoginLinkSetsAStrictHttpOnlyCookieAndRedirectsWithoutTheToken() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let page = try await Self.get(
        client, "/login?token=\(TestCoordinator.adminToken)&next=/sweeps/sw-1%3Fsort%3Dcost")
      #expect(page.status == .seeOther)
      #expect(page.headers[.location] == "/sweeps/sw-1?sort=cost")
      let cookie = try #require(page.headers[.setCookie])
      #expect(cookie.hasPrefix("\(DashboardSession.cookieName)=admin."))
      for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        #expect(cookie.contains(part), "\(cookie)")
      }
      #expect(!cookie.contains("Secure"), "plain HTTP on loopback: a Secure cookie would never come back")
      // the token must not travel on in a Referer header
      #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
      // anywhere else is not a place to be sent
      for next in ["//evil.example/x", "https://evil.example/", "/\\evil"] {
        let elsewhere = try await Self.get(
          client,
          "/login?token=\(TestCoordinator.viewerToken)&next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        )
        #expect(elsewhere.headers[.location] == "/", "\(next)")
      }
    }
  }

  @Test func aWrongOrMissingTokenGetsALoginPageThatSaysWhatToDo() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let wrong = try await Self.get(client, "/login?token=not-a-token")
      #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
      #expect(wrong.text.contains("not the admin or the viewer token") && wrong.text.contains("<form"))
      // a worker's join token opens nothing here
      #expect(try await Self.get(client, "/login?token=\(TestCoordinator.joinToken)").status == .unauthorized)
      // pages send people without a session to the login, remembering where they were going
      let page = try await Self.get(client, "/sweeps/sw-1")
      #expect(page.status == .seeOther && page.headers[.location] == "/login?next=/sweeps/sw-1")
      // a forged cookie, or one signed with another token, is no session
      var forged = try await Self.logIn(client, TestCoordinator.viewerToken)
      forged = forged.replacingOccurrences(of: "viewer.", with: "admin.")
      #expect(try await Self.get(client, "/", cookie: forged).status == .seeOther)
      // the form login works too
      let posted = try await Self.post(
        client, "/login", form: "token=\(TestCoordinator.viewerToken)&next=%2F", cookie: nil)
      #expect(posted.status == .seeOther && posted.headers[.setCookie]?.contains("viewer.") == true)
    }
  }

  @Test func aSessionEndsAfterTwelveHours() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let cookie = try await Self.logIn(client, TestCoordinator.adminToken)
      #expect(try await Self.get(client, "/", cookie: cookie).status == .ok)
      coordinator.clock.advance(by: .seconds(12 * 3600 + 1))
      #expect(try await Self.get(client, "/", cookie: cookie).status == .seeOther)
    }
  }

  @Test func theSweepPageShowsProgressRunningTrialsMoneyLeaderboardAndPlots() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(name: "page-test", domains: "[financial, legal]", trials: 4))
      let gpu = try await api.register(name: "gpu-box", rate: "0.36", provider: .runpod)
      for round in 0..<4 {
        let lease = try #require(try await api.lease(gpu.credential).lease)
        coordinator.clock.advance(by: .seconds(20))
        _ = try await api.report(
          gpu.credential, lease: lease, trial: lease.trials[0], metrics: ["accuracy": 0.6 + Double(round) / 20])
      }
      // one running, with a heartbeat's progress
      let running = try #require(try await api.lease(gpu.credential).lease)
      _ = try await api.heartbeat(
        gpu.credential, lease: running,
        progress: [TrialProgress(trialId: running.trials[0].trialId, attempt: 1, epoch: 1, metrics: ["accuracy": 0.55])]
      )
      let cookie = try await Self.logIn(client, TestCoordinator.viewerToken)
      let page = try await Self.get(client, "/sweeps/\(sweep.id)", cookie: cookie)
      #expect(page.status == .ok, "\(page.text)")
      let status = try await api.status(sweep.id)
      for fragment in [
        "page-test", "financial", "legal", "gpu-box", running.trials[0].trialId, "Leaderboard", "Running trials",
        "$\(status.spentUsd.micros.decimalString)", "of $\(status.budgetUsd.micros.decimalString)",
        "data-plot=\"history\"", "data-plot=\"slice\"", "data-plot=\"parallel\"", "data-plot=\"importance\"",
        "data-plot=\"pareto\"", "<svg",
      ] {
        #expect(page.text.contains(fragment), "missing \(fragment)")
      }
      // a viewer sees no cancel button
      #expect(!page.text.contains("Cancel sweep"))
      let trial = try await Self.get(client, "/sweeps/\(sweep.id)/trials/\(running.trials[0].trialId)", cookie: cookie)
      #expect(trial.status == .ok && trial.text.contains("Metric history") && trial.text.contains("Attempts"))
      let missing = try await Self.get(client, "/sweeps/sw-nope", cookie: cookie)
      #expect(missing.status == .notFound && missing.text.contains("no sweep &#39;sw-nope&#39;"), "\(missing.text)")
      // the list
      let list = try await Self.get(client, "/", cookie: cookie)
      #expect(list.status == .ok && list.text.contains("page-test"))
    }
  }

  @Test func aViewerCannotCancelAndAnAdminNeedsThePagesCSRFToken() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(name: "to-cancel"))
      let viewer = try await Self.logIn(client, TestCoordinator.viewerToken)
      let refused = try await Self.post(client, "/sweeps/\(sweep.id)/cancel", form: "csrf=x", cookie: viewer)
      #expect(refused.status == .forbidden && refused.text.contains("viewer token"))
      let admin = try await Self.logIn(client, TestCoordinator.adminToken)
      let forged = try await Self.post(client, "/sweeps/\(sweep.id)/cancel", form: "csrf=forged", cookie: admin)
      #expect(forged.status == .forbidden && forged.text.contains("CSRF"))
      #expect(try await api.status(sweep.id).state == .running)
      // the page's own form carries the token
      let page = try await Self.get(client, "/sweeps/\(sweep.id)", cookie: admin)
      let marker = "name=\"csrf\" value=\""
      let start = try #require(page.text.range(of: marker)).upperBound
      let token = String(page.text[start...].prefix { $0 != "\"" })
      let cancelled = try await Self.post(client, "/sweeps/\(sweep.id)/cancel", form: "csrf=\(token)", cookie: admin)
      #expect(cancelled.status == .seeOther && cancelled.headers[.location] == "/sweeps/\(sweep.id)")
      #expect(try await api.status(sweep.id).state == .cancelled)
    }
  }

  @Test func theDataEndpointsTakeTheViewerTokenAndRefuseWorkers() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let sweep = try await api.submit(TestSpecs.sweep(name: "data", domains: "[a]", trials: 3))
      let laptop = try await api.register(name: "laptop")
      let lease = try #require(try await api.lease(laptop.credential).lease)
      _ = try await api.report(laptop.credential, lease: lease, trial: lease.trials[0])
      let progress = try await api.call(.get, "/v1/sweeps/\(sweep.id)/progress", token: TestCoordinator.viewerToken)
      #expect(progress.status == .ok, "\(progress.text)")
      #expect(try progress.decode(SweepProgress.self).domains.first?.counts.succeeded == 1)
      let timeline = try await api.call(.get, "/v1/sweeps/\(sweep.id)/timeline", token: TestCoordinator.viewerToken)
      #expect(try timeline.decode(SweepTimeline.self).results.count == 1)
      for kind in ["history", "slice", "parallel", "importance", "pareto"] {
        let plot = try await api.call(.get, "/v1/sweeps/\(sweep.id)/plots/\(kind)", token: TestCoordinator.adminToken)
        #expect(plot.status == .ok && (try? plot.decode(PlotData.self))?.kind == kind, "\(kind): \(plot.text)")
      }
      let svg = try await api.call(.get, "/v1/sweeps/\(sweep.id)/plots/pareto.svg", token: TestCoordinator.viewerToken)
      #expect(svg.status == .ok && svg.text.hasPrefix("<svg"))
      #expect(
        try await api.call(.get, "/v1/sweeps/\(sweep.id)/plots/transfer", token: TestCoordinator.viewerToken).status
          == .notFound)
      let report = try await api.call(.get, "/v1/sweeps/\(sweep.id)/report", token: TestCoordinator.viewerToken)
      #expect(report.status == .ok && report.text.contains("<style>") && !report.text.contains("<script"))
      // a worker credential reads none of it; the viewer token changes nothing
      let worker = try await api.call(.get, "/v1/sweeps/\(sweep.id)/progress", token: laptop.credential)
      #expect(worker.status == .forbidden)
      let submit = try await api.call(
        .post, "/v1/sweeps", token: TestCoordinator.viewerToken, body: TestSpecs.sweep(),
        contentType: "application/yaml")
      #expect(submit.status == .forbidden)
    }
  }
}
