import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import Shared
import Testing

/// Auth on every endpoint and bad input, through the real router.
@Suite struct AuthAndInputTests {
  static let adminEndpoints: [(HTTPRequest.Method, String)] = [
    (.get, "/metrics"), (.get, "/v1/workers"), (.post, "/v1/sweeps"), (.get, "/v1/sweeps"), (.get, "/v1/sweeps/sw-x"),
    (.post, "/v1/sweeps/sw-x/cancel"), (.get, "/v1/sweeps/sw-x/results"), (.post, "/v1/join-tokens"),
    (.get, "/v1/join-tokens"), (.delete, "/v1/join-tokens/jt-x"),
  ]
  static let workerEndpoints: [(HTTPRequest.Method, String)] = [
    (.post, "/v1/leases"), (.post, "/v1/leases/ls-x/heartbeat"), (.post, "/v1/leases/ls-x/release"),
    (.post, "/v1/trials/t-x/results"),
  ]

  @Test func everyProtectedEndpointRefusesMissingAndWrongTokensWithJSON() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let all = Self.adminEndpoints + Self.workerEndpoints + [(.post, "/v1/workers"), (.delete, "/v1/workers/wk-x")]
      for (method, path) in all {
        let missing = try await api.call(method, path, token: nil, body: "{}")
        #expect(missing.status == .unauthorized, "\(method) \(path)")
        #expect(missing.errorCode == "unauthorized", "\(method) \(path): \(missing.text)")
        let wrong = try await api.call(method, path, token: "forged", body: "{}")
        #expect(wrong.status == .unauthorized, "\(method) \(path)")
        let almost = try await api.call(method, path, token: TestCoordinator.adminToken + "x", body: "{}")
        #expect(almost.status == .unauthorized, "\(method) \(path)")
      }
    }
  }

  @Test func aWorkerCredentialCannotCallAdminEndpointsNorTheJoinTokenWorkerOnes() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let worker = try await api.register(name: "w")
      for (method, path) in Self.adminEndpoints {
        let reply = try await api.call(method, path, token: worker.credential, body: "{}")
        #expect(reply.status == .forbidden, "\(method) \(path): \(reply.text)")
        #expect(reply.errorCode == "forbidden")
      }
      for (method, path) in Self.workerEndpoints {
        for token in [TestCoordinator.joinToken, TestCoordinator.adminToken] {
          let reply = try await api.call(method, path, token: token, body: "{}")
          #expect(reply.status == .forbidden, "\(method) \(path)")
        }
      }
      let register = try await api.call(.post, "/v1/workers", token: worker.credential, body: "{}")
      #expect(register.status == .forbidden)
      let forgedSecret = worker.credential.dropLast(4) + "0000"
      #expect(try await api.call(.post, "/v1/leases", token: String(forgedSecret), body: "{}").status == .unauthorized)
    }
  }

  @Test func healthAndOpenAPINeedNoToken() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      #expect(try await api.call(.get, "/healthz", token: nil).status == .ok)
      let openapi = try await api.call(.get, "/openapi.yaml", token: nil)
      #expect(openapi.status == .ok)
      #expect(openapi.text.hasPrefix("openapi: 3.1.0"))
      let unknown = try await api.call(.get, "/v2/nothing", token: nil)
      #expect(unknown.status == .notFound)
      #expect(unknown.errorCode == "not_found")
    }
  }

  @Test func malformedBodiesGet400NamingWhere() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let garbage = try await api.call(.post, "/v1/workers", token: TestCoordinator.joinToken, body: "{not json")
      #expect(garbage.status == .badRequest)
      #expect(garbage.errorCode == "malformed_json")
      let missing = try await api.call(
        .post, "/v1/workers", token: TestCoordinator.joinToken,
        body: "{\"name\": \"w\", \"provider\": \"local\", \"slots\": 1}")
      #expect(missing.status == .badRequest)
      #expect(missing.text.contains("hourly_cost_usd"), "\(missing.text)")
      let badProvider = try await api.call(
        .post, "/v1/workers", token: TestCoordinator.joinToken,
        body: "{\"name\": \"w\", \"provider\": \"aws\", \"hourly_cost_usd\": 1, \"slots\": 1}")
      #expect(badProvider.status == .badRequest)
      #expect(badProvider.text.contains("provider"))
      let wrongType = try await api.call(
        .post, "/v1/workers", token: TestCoordinator.joinToken, body: "<xml/>", contentType: "application/xml")
      #expect(wrongType.status == .unsupportedMediaType)
    }
  }

  @Test func negativeRatesAndBadFieldsGet422() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      for body in [
        "{\"name\": \"w\", \"provider\": \"local\", \"hourly_cost_usd\": -0.5, \"slots\": 1}",
        "{\"name\": \"w\", \"provider\": \"local\", \"hourly_cost_usd\": \"-2\", \"slots\": 1}",
        "{\"name\": \"w\", \"provider\": \"local\", \"hourly_cost_usd\": 0, \"slots\": 0}",
        "{\"name\": \"\\u0007\", \"provider\": \"local\", \"hourly_cost_usd\": 0, \"slots\": 1}",
      ] {
        let reply = try await api.call(.post, "/v1/workers", token: TestCoordinator.joinToken, body: body)
        #expect(reply.status == .unprocessableContent, "\(body): \(reply.text)")
      }
      #expect(
        try await api.call(.get, "/v1/workers", token: TestCoordinator.adminToken).decode(WorkerList.self).workers
          .isEmpty)
    }
  }

  @Test func anInvalidSpecGets422ListingEveryProblemAndNothingIsStored() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let reply = try await api.call(
        .post, "/v1/sweeps", token: TestCoordinator.adminToken,
        body: "name: x\nbudget_usd: -1\ndomains: [a, a]\nsampler: grid\nspace:\n  r: [1]\ncommand: [run, \"{q}\"]\n",
        contentType: "application/yaml")
      #expect(reply.status == .unprocessableContent)
      let body = try reply.decode(APIErrorBody.self)
      #expect(body.error.code == "invalid_spec")
      #expect(body.error.errors?.count == 3)
      #expect(body.error.errors?.first?.hasPrefix("<request>:2:13: budget_usd:") == true)
      let list = try await api.call(.get, "/v1/sweeps", token: TestCoordinator.adminToken).decode(SweepList.self)
      #expect(list.sweeps.isEmpty)
    }
  }

  @Test func bodiesOverTheLimitGet413() async throws {
    let coordinator = try await TestCoordinator(maxBody: 64 * 1024)
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let huge = String(repeating: "x", count: 10 << 20)
      let reply = try await api.call(
        .post, "/v1/sweeps", token: TestCoordinator.adminToken, body: huge, contentType: "application/yaml")
      #expect(reply.status == .contentTooLarge)
      #expect(reply.errorCode == "body_too_large")
    }
  }

  @Test func unknownIdsGet404() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let api = APICaller(client: client)
      let worker = try await api.register(name: "w")
      #expect(try await api.call(.get, "/v1/sweeps/sw-nope", token: TestCoordinator.adminToken).status == .notFound)
      #expect(
        try await api.call(.post, "/v1/sweeps/sw-nope/cancel", token: TestCoordinator.adminToken).status == .notFound)
      #expect(
        try await api.call(.get, "/v1/sweeps/sw-nope/results", token: TestCoordinator.adminToken).status == .notFound)
      let heartbeat = try await api.call(
        .post, "/v1/leases/ls-nope/heartbeat", token: worker.credential, body: "{\"fencing_token\": 1}")
      #expect(heartbeat.status == .notFound)
      #expect(heartbeat.errorCode == "lease_not_found")
      let report = ResultReport(sweepId: "sw-nope", leaseId: "ls-nope", fencingToken: 1, attempt: 1, status: .succeeded)
      let result = try await api.call(
        .post, "/v1/trials/t-nope/results", token: worker.credential, body: try api.json(report))
      #expect(result.status == .notFound)
    }
  }
}
