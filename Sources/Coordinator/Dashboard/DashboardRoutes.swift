import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// The web dashboard at `/`: login the Jupyter way (`/login?token=…` sets an HttpOnly,
/// SameSite=Strict session cookie and redirects, so the token leaves the address bar), the
/// list of sweeps, a sweep's page, a trial's page, and cancelling a sweep (admin session and a
/// CSRF token). Every failure is a page that says what to do, never a stack trace.
enum DashboardRoutes {
  static func add(to router: Router<APIRequestContext>, env: APIEnvironment, dashboard: DashboardEnvironment) {
    router.get("/assets/dashboard.css") { _, _ in
      asset(DashboardAssets.css, type: "text/css; charset=utf-8")
    }
    router.get("/assets/dashboard.js") { _, _ in
      asset(DashboardAssets.js, type: "text/javascript; charset=utf-8")
    }
    router.get("/login") { request, _ in
      let next = DashboardSession.safeNext(request.uri.queryParameters.get("next"))
      guard let token = request.uri.queryParameters.get("token") else {
        if let session = session(request, env, dashboard) { return redirect(next, cookie: nil, session: session) }
        return html(DashboardPages.login(message: nil, next: next))
      }
      return logIn(token: token, next: next, env: env, dashboard: dashboard)
    }
    router.post("/login") { request, _ in
      let form = try await Self.form(request, env)
      return logIn(
        token: form["token"] ?? "", next: DashboardSession.safeNext(form["next"]), env: env, dashboard: dashboard)
    }
    router.get("/logout") { _, _ in
      var response = redirect("/login", cookie: nil, session: nil)
      response.headers[.setCookie] = DashboardSession.clearCookie(secure: dashboard.secure)
      return response
    }
    router.get("/") { request, _ in
      guard let session = session(request, env, dashboard) else { return toLogin(request) }
      return html(DashboardPages.sweepList(try await env.store.listSweeps(), session: session))
    }
    router.get("/sweeps/{id}") { request, context in
      guard let session = session(request, env, dashboard) else { return toLogin(request) }
      let id = context.parameters.get("id") ?? ""
      do {
        let snapshot = try await dashboard.data.snapshot(sweepID: id)
        let query = request.uri.queryParameters
        var board = DashboardPages.BoardQuery()
        board.domain = query.get("domain")
        board.sort = ["objective", "cost", "duration"].first { $0 == query.get("sort") } ?? "objective"
        board.page = max(0, min(100_000, query.get("page").flatMap { Int($0) } ?? 0))
        return html(
          DashboardPages.sweep(
            snapshot, plotSection: try await dashboard.data.plotSection(snapshot), session: session,
            csrf: session.csrfToken(keys: dashboard.keys), board: board))
      } catch let error as StoreError {
        return problem(error, session: session)
      }
    }
    router.get("/sweeps/{id}/trials/{trial}") { request, context in
      guard let session = session(request, env, dashboard) else { return toLogin(request) }
      let id = context.parameters.get("id") ?? ""
      do {
        let status = try await env.store.sweepStatus(id: id)
        let detail = try await dashboard.store.trialDetail(sweepID: id, trialID: context.parameters.get("trial") ?? "")
        let artifact = try await env.store.artifacts(sweepID: id, domain: detail.domain).first {
          $0.trialId == detail.trialID
        }
        return html(DashboardPages.trial(detail, status: status, session: session, artifact: artifact))
      } catch let error as StoreError {
        return problem(error, session: session)
      }
    }
    router.get("/sweeps/{id}/trials/{trial}/artifact.tar") { request, context in
      guard let session = session(request, env, dashboard) else { return toLogin(request) }
      do {
        return try await APIRouter.artifactDownload(
          env, sweepID: context.parameters.get("id") ?? "", trialID: context.parameters.get("trial") ?? "")
      } catch let error as APIError {
        return html(DashboardPages.problem("No output folder", error.message, session: session), status: .notFound)
      }
    }
    router.post("/sweeps/{id}/cancel") { request, context in
      guard let session = session(request, env, dashboard) else { return toLogin(request) }
      let id = context.parameters.get("id") ?? ""
      guard session.role == .admin else {
        return html(
          DashboardPages.problem(
            "Read-only",
            "You are logged in with the viewer token, which cannot change anything; log in with the admin token to cancel a sweep.",
            session: session), status: .forbidden)
      }
      let form = try await Self.form(request, env)
      guard session.checkCSRF(form["csrf"], keys: dashboard.keys) else {
        return html(
          DashboardPages.problem(
            "Not cancelled",
            "The form did not come from this dashboard (its CSRF token is missing or wrong). Reload the sweep's page and try again.",
            session: session), status: .forbidden)
      }
      do {
        _ = try await env.store.cancelSweep(id: id, now: env.clock.now)
        await dashboard.data.invalidate(sweepID: id)
        await env.dispatcher.wake()
      } catch let error as StoreError {
        return problem(error, session: session)
      }
      return redirect("/sweeps/\(id)", cookie: nil, session: session)
    }
  }

  // MARK: sessions

  static func session(_ request: Request, _ env: APIEnvironment, _ dashboard: DashboardEnvironment) -> DashboardSession?
  {
    guard let value = DashboardSession.cookie(in: request.headers[.cookie]) else { return nil }
    return DashboardSession.verify(value, keys: dashboard.keys, now: env.clock.now)
  }

  static func logIn(token: String, next: String, env: APIEnvironment, dashboard: DashboardEnvironment) -> Response {
    let hash = Tokens.hash(token.trimmingCharacters(in: .whitespaces))
    let role: DashboardSession.Role
    if Tokens.constantTimeEqual(hash, env.authenticator.adminHash) {
      role = .admin
    } else if let viewer = env.authenticator.viewerHash, Tokens.constantTimeEqual(hash, viewer) {
      role = .viewer
    } else {
      let message =
        token.isEmpty
        ? "No token given."
        : "That token is not the admin or the viewer token of this coordinator. Tokens change when the coordinator is started with new ones; the current ones are in the tokens file next to its database."
      return html(DashboardPages.login(message: message, next: next), status: .unauthorized)
    }
    let session = DashboardSession.make(role, now: env.clock.now, keys: dashboard.keys)
    return redirect(next, cookie: session.setCookie(secure: dashboard.secure), session: session)
  }

  static func toLogin(_ request: Request) -> Response {
    let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
    let encoded =
      next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "?", "+", "#"])) ?? "/"
    return redirect("/login?next=\(encoded)", cookie: nil, session: nil)
  }

  // MARK: responses

  /// Headers every page carries: no caching of private data, no framing, no referrer (the
  /// login link carries a token), scripts and styles from this coordinator only.
  static func secured(_ headers: inout HTTPFields) {
    headers[.cacheControl] = "no-store"
    headers[.contentSecurityPolicy] =
      "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    headers[.xContentTypeOptions] = "nosniff"
    headers[.referrerPolicy] = "no-referrer"
  }

  static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    var response = JSONResponse.text(text, status: status, contentType: "text/html; charset=utf-8")
    secured(&response.headers)
    return response
  }

  static func asset(_ text: String, type: String) -> Response {
    var response = JSONResponse.text(text, contentType: type)
    response.headers[.cacheControl] = "max-age=300"
    response.headers[.xContentTypeOptions] = "nosniff"
    return response
  }

  static func redirect(_ location: String, cookie: String?, session: DashboardSession?) -> Response {
    var headers = HTTPFields()
    headers[.location] = location
    if let cookie { headers[.setCookie] = cookie }
    secured(&headers)
    return Response(status: .seeOther, headers: headers)
  }

  static func problem(_ error: StoreError, session: DashboardSession) -> Response {
    switch error {
    case .notFound(_, let message):
      return html(DashboardPages.problem("Not found", message, session: session), status: .notFound)
    case .conflict(_, let message), .gone(_, let message), .forbidden(_, let message), .invalid(_, let message):
      return html(DashboardPages.problem("Not done", message, session: session), status: .conflict)
    case .corrupt:
      return html(
        DashboardPages.problem(
          "Something is wrong", "The coordinator's log says what; the data was not changed.", session: session),
        status: .internalServerError)
    }
  }

  /// A small `application/x-www-form-urlencoded` body.
  static func form(_ request: Request, _ env: APIEnvironment) async throws -> [String: String] {
    let buffer = try await env.body(request)
    let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
    var values: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decode(_ part: Substring) -> String {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
      }
      if let key = parts.first { values[decode(key)] = parts.count > 1 ? decode(parts[1]) : "" }
    }
    return values
  }
}

extension HTTPField.Name {
  static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
  static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
  static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
