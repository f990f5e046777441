import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// Builds the router of API v1. Every route is listed in the OpenAPI document served at
/// `/openapi.yaml`; a test keeps the two in step.
public enum APIRouter {
  public static func make(_ env: APIEnvironment) -> Router<BasicRequestContext> {
    let router = Router()
    router.middlewares.add(JSONErrorMiddleware())
    router.get("/healthz") { _, _ in
      JSONResponse.text("{\"status\":\"ok\"}", contentType: "application/json")
    }
    router.get("/openapi.yaml") { _, _ in
      JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml")
    }
    router.get("/metrics") { request, _ in
      try await env.authenticator.requireAdmin(request)
      let text = env.metrics.render(try await env.store.gauges())
      return JSONResponse.text(text, contentType: "text/plain; version=0.0.4")
    }
    addWorkerRoutes(router, env)
    addLeaseRoutes(router, env)
    addSweepRoutes(router, env)
    return router
  }

  static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
    guard let value = context.parameters.get(name) else {
      throw APIError(.badRequest, "missing_parameter", "the path needs {\(name)}")
    }
    return value
  }
}
