import Coordinator
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
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

  /// The document the coordinator serves is valid OpenAPI 3.1, by a real validator
  /// (`openapi-spec-validator`, in the test virtualenv): every error it finds is listed.
  @Test func theServedDocumentValidatesWithARealValidator() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    let served = try await coordinator.routerApplication.test(.router) { client in
      try await client.execute(uri: "/openapi.yaml", method: .get) { response in String(buffer: response.body) }
    }
    let path = coordinator.directory.appendingPathComponent("openapi.yaml").path
    try served.write(toFile: path, atomically: true, encoding: .utf8)
    let python = try await CommandRunner.offPool { try PythonEnvironment.python() }
    let check = """
      import sys, yaml
      from openapi_spec_validator import OpenAPIV31SpecValidator
      document = yaml.safe_load(open(sys.argv[1]))
      errors = list(OpenAPIV31SpecValidator(document).iter_errors())
      for error in errors:
          print("/".join(str(p) for p in error.path), ":", error.message[:300])
      sys.exit(1 if errors else 0)
      """
    let result = try await CommandRunner.offPool {
      try CommandRunner.run(executable: python, ["-c", check, path], directory: coordinator.directory.path)
    }
    #expect(result.status == 0, "the served OpenAPI document does not validate:\n\(result.stdout)\(result.stderr)")
  }

  /// A path that exists answers another method with 405 and `Allow`; a path that does not, 404.
  @Test func anUnknownMethodOnAKnownPathIs405WithAllow() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      for (method, path, allow) in [
        (HTTPRequest.Method.post, "/healthz", "GET"), (.delete, "/v1/sweeps/sw-1", "GET"),
        (.put, "/v1/sweeps", "GET, POST"), (.get, "/v1/sweeps/sw-1/cancel", "POST"),
      ] {
        try await client.execute(
          uri: path, method: method, headers: [.authorization: "Bearer \(TestCoordinator.adminToken)"]
        ) { response in
          #expect(response.status == .methodNotAllowed, "\(method) \(path)")
          #expect(response.headers[.allow] == allow, "\(method) \(path)")
          #expect(String(buffer: response.body).contains("method_not_allowed"))
        }
      }
      try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
        #expect(response.status == .notFound)
      }
    }
  }
}
