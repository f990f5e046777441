import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// Builds the router of API v1. Every route is listed in the OpenAPI document served at
/// `/openapi.yaml`; a test keeps the two in step.
public enum APIRouter {
  public static func make(_ env: APIEnvironment) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    let table = RouteTable()
    router.middlewares.add(JSONErrorMiddleware(routes: table))
    if let absence = env.absence { router.middlewares.add(AbsenceMiddleware(monitor: absence)) }
    router.get("/healthz") { _, _ in
      JSONResponse.text("{\"status\":\"ok\"}", contentType: "application/json")
    }
    router.get("/openapi.yaml") { _, _ in
      JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml")
    }
    let authenticated = router.group().add(middleware: AuthenticationMiddleware(authenticator: env.authenticator))
    let routes = Routes(
      admin: authenticated.group(context: AdminContext.self), worker: authenticated.group(context: WorkerContext.self),
      joiner: authenticated.group(context: JoinerContext.self),
      caller: authenticated.group(context: CallerContext.self),
      reader: authenticated.group(context: ReaderContext.self))
    routes.admin.get("/metrics") { _, _ in
      let text = env.metrics.render(try await env.store.gauges())
      return JSONResponse.text(text, contentType: "text/plain; version=0.0.4")
    }
    addWorkerRoutes(routes, env)
    addJoinTokenRoutes(routes, env)
    addLeaseRoutes(routes, env)
    addSweepRoutes(routes, env)
    addArtifactRoutes(routes, env)
    addInstallRoutes(router, routes, env)
    if let dashboard = env.dashboard {
      addDashboardDataRoutes(routes, env, dashboard)
      DashboardRoutes.add(to: router, env: env, dashboard: dashboard)
    }
    table.set(router.routes.map { ($0.path.description, $0.method.rawValue) })
    return router
  }

  /// The route groups by who may call them; each group's context is the proof.
  struct Routes {
    var admin: RouterGroup<AdminContext>
    var worker: RouterGroup<WorkerContext>
    var joiner: RouterGroup<JoinerContext>
    var caller: RouterGroup<CallerContext>
    var reader: RouterGroup<ReaderContext>
  }

  static func parameter(_ context: some RequestContext, _ name: String) throws -> String {
    guard let value = context.parameters.get(name) else {
      throw APIError(.badRequest, "missing_parameter", "the path needs {\(name)}")
    }
    return value
  }
}

/// Lets the ``AbsenceMonitor`` look at the time before any request is handled: a heartbeat that
/// arrives first after the coordinator slept must find its lease re-armed, not expired.
struct AbsenceMiddleware<Context: RequestContext>: RouterMiddleware {
  let monitor: AbsenceMonitor

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
    -> Response
  {
    await monitor.check()
    return try await next(request, context)
  }
}
