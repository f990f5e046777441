import Coordinator
import Hummingbird
import Logging
import Testing
import Yams

/// The served OpenAPI document lists exactly the routes the router has.
@Suite struct OpenAPIDocumentTests {
  @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    let router = APIRouter.make(coordinator.server.environment)
    let routed = Set(router.routes.map { "\($0.method.rawValue.uppercased()) \($0.path.description)" })
    let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
    #expect(document["openapi"] as? String == "3.1.0")
    let paths = try #require(document["paths"] as? [String: [String: Any]])
    let documented = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
    #expect(
      routed == documented,
      "router only: \(routed.subtracting(documented)); document only: \(documented.subtracting(routed))")
  }
}
