import Coordinator
import Foundation
import HTTPTypes
import HummingbirdTesting
import Shared
import Testing
import Yams

/// The served contract against the server itself: every operation documents the errors it can
/// answer, and requests derived from the document's own schemas — valid ones and ones that
/// break one constraint each — are answered with a documented status, never a 5xx, and never
/// accepted when they break the schema.
@Suite struct OpenAPIContractTests {
  typealias Object = [String: Any]

  static func document() throws -> Object {
    try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? Object)
  }

  /// Follows `$ref` within the document.
  static func resolve(_ node: Any?, in document: Object) -> Object? {
    guard var object = node as? Object else { return nil }
    while let reference = object["$ref"] as? String, reference.hasPrefix("#/") {
      var target: Any? = document
      for part in reference.dropFirst(2).split(separator: "/") { target = (target as? Object)?[String(part)] }
      guard let next = target as? Object else { return nil }
      object = next
    }
    return object
  }

  static func operations(_ document: Object) -> [(path: String, method: String, operation: Object)] {
    let paths = document["paths"] as? [String: Object] ?? [:]
    return paths.keys.sorted().flatMap { path in
      (paths[path] ?? [:]).keys.sorted().compactMap { method in
        (paths[path]?[method] as? Object).map { (path, method, $0) }
      }
    }
  }

  static func isAPI(_ path: String) -> Bool { path.hasPrefix("/v1/") || path == "/metrics" }

  @Test func everyOperationDocumentsTheErrorsItCanAnswerWithTheErrorSchema() throws {
    let document = try Self.document()
    var problems: [String] = []
    for (path, method, operation) in Self.operations(document) where Self.isAPI(path) {
      let responses = operation["responses"] as? Object ?? [:]
      let secured = (operation["security"] as? [Any])?.isEmpty != true
      var needed: [String] = []
      if secured { needed += ["401", "403"] }
      if operation["requestBody"] != nil { needed += ["400", "413", "415", "422"] }
      if path.contains("{") { needed.append("404") }
      for code in needed where responses[code] == nil { problems.append("\(method.uppercased()) \(path): no \(code)") }
      for (code, response) in responses where code.hasPrefix("4") {
        let resolved = Self.resolve(response, in: document)
        let schema = ((resolved?["content"] as? Object)?["application/json"] as? Object)?["schema"] as? Object
        if schema?["$ref"] as? String != "#/components/schemas/Error" {
          problems.append("\(method.uppercased()) \(path): \(code) without the Error schema")
        }
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  // MARK: Requests from the schemas

  /// A value the schema accepts.
  static func valid(_ schema: Object?, _ document: Object) -> Any {
    guard let schema = resolve(schema, in: document) else { return "x" }
    if let options = schema["oneOf"] as? [Any] { return valid(options.first as? Object, document) }
    if let parts = schema["allOf"] as? [Any] {
      var merged = Object()
      for part in parts {
        if let object = valid(part as? Object, document) as? Object { merged.merge(object) { a, _ in a } }
      }
      return merged
    }
    if let values = schema["enum"] as? [Any], let first = values.first { return first }
    let type = (schema["type"] as? String) ?? ((schema["type"] as? [Any])?.first as? String) ?? "object"
    switch type {
    case "integer": return (schema["minimum"] as? Int) ?? 1
    case "number":
      if let minimum = schema["exclusiveMinimum"] as? Double { return minimum + 0.5 }
      return (schema["minimum"] as? Double) ?? 0.5
    case "boolean": return false
    case "null": return NSNull()
    case "array":
      let count = max(1, schema["minItems"] as? Int ?? 1)
      return Array(repeating: valid(schema["items"] as? Object, document), count: count)
    case "string":
      if let pattern = schema["pattern"] as? String, pattern.contains("[0-9]{2,6}") { return "0.10" }
      return "w1"
    default:
      let properties = schema["properties"] as? Object ?? [:]
      let required = schema["required"] as? [String] ?? []
      var object = Object()
      for name in required { object[name] = valid(properties[name] as? Object, document) }
      return object
    }
  }

  /// Values that break one constraint of the schema each, named.
  static func invalid(_ schema: Object?, _ document: Object) -> [(String, Any)] {
    guard let schema = resolve(schema, in: document) else { return [] }
    if schema["oneOf"] != nil || schema["allOf"] != nil { return [("an object for a value", ["a": 1])] }
    var cases: [(String, Any)] = []
    if let values = schema["enum"] as? [Any] {
      return [("a value not in \(values)", "not-one-of-them")]
    }
    let type = (schema["type"] as? String) ?? "object"
    switch type {
    case "integer", "number":
      cases.append(("a string for a number", "abc"))
      if let minimum = schema["minimum"] as? Double { cases.append(("below its minimum", minimum - 1)) }
      if let maximum = schema["maximum"] as? Double { cases.append(("above its maximum", maximum + 1)) }
      if let minimum = schema["exclusiveMinimum"] as? Double { cases.append(("at its exclusive minimum", minimum)) }
    case "string":
      cases.append(("a number for a string", 12345))
      if let length = schema["maxLength"] as? Int {
        cases.append(("longer than \(length)", String(repeating: "a", count: length + 1)))
      }
      if let length = schema["minLength"] as? Int, length > 0 { cases.append(("empty", "")) }
    case "array":
      cases.append(("an object for an array", ["a": 1]))
      if let most = schema["maxItems"] as? Int {
        cases.append(
          ("more than \(most) items", Array(repeating: valid(schema["items"] as? Object, document), count: most + 1)))
      }
      if let least = schema["minItems"] as? Int, least > 0 { cases.append(("no items", [Any]())) }
    case "boolean":
      cases.append(("a string for a boolean", "yes"))
    default:
      cases.append(("an array for an object", [1]))
    }
    return cases
  }

  /// Whole bodies, each with one property broken or one required property missing.
  static func invalidBodies(_ schema: Object?, _ document: Object) -> [(String, Any)] {
    guard let resolved = resolve(schema, in: document), let base = valid(resolved, document) as? Object else {
      return []
    }
    var bodies: [(String, Any)] = [("not an object", [1, 2])]
    let properties = resolved["properties"] as? Object ?? [:]
    for name in properties.keys.sorted() {
      for (what, value) in invalid(properties[name] as? Object, document) {
        var body = base
        body[name] = value
        bodies.append(("\(name): \(what)", body))
      }
    }
    for name in resolved["required"] as? [String] ?? [] {
      var body = base
      body[name] = nil
      bodies.append(("\(name) missing", body))
    }
    return bodies
  }

  static func json(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
  }

  @Test func requestsDerivedFromTheSchemasGetDocumentedAnswersAndNeverA5xx() async throws {
    let coordinator = try await TestCoordinator()
    defer { coordinator.cleanUp() }
    try await coordinator.routerApplication.test(.router) { client in
      let document = try Self.document()
      let api = APICaller(client: client)
      let sweep = try await api.submit(
        "name: c\ndomains: [a]\nsampler: lhs\ntrials_per_domain: 4\nspace:\n  x: {uniform: [0, 1]}\ncommand: [t, \"{x}\"]"
      )
      let worker = try await api.register(name: "contract")
      let lease = try #require(try await api.lease(worker.credential).lease)
      let admin = TestCoordinator.adminToken
      var problems: [String] = []
      var sent = 0
      for (path, method, operation) in Self.operations(document) where Self.isAPI(path) {
        let responses = operation["responses"] as? Object ?? [:]
        let documented = Set(responses.keys.compactMap(Int.init))
        let concrete = path.replacingOccurrences(of: "/v1/workers/{id}", with: "/v1/workers/wk-unknown")
          .replacingOccurrences(of: "/v1/leases/{id}", with: "/v1/leases/\(lease.leaseId)")
          .replacingOccurrences(of: "{trial}", with: lease.trials[0].trialId)
          .replacingOccurrences(of: "/v1/trials/{id}", with: "/v1/trials/\(lease.trials[0].trialId)")
          .replacingOccurrences(of: "{attempt}", with: "1").replacingOccurrences(of: "{kind}", with: "history")
          .replacingOccurrences(of: "{platform}", with: "linux-x86_64")
          .replacingOccurrences(of: "{id}", with: sweep.id)
        let workerRoute = path.hasPrefix("/v1/leases") || path.hasPrefix("/v1/trials") || path == "/v1/results"
        let joinRoute = path == "/v1/workers" && method == "post"
        let token = workerRoute ? worker.credential : joinRoute ? TestCoordinator.joinToken : admin
        let otherKind = workerRoute || joinRoute ? admin : worker.credential
        let httpMethod = HTTPRequest.Method(rawValue: method.uppercased())!
        let secured = (operation["security"] as? [Any])?.isEmpty != true
        func check(_ what: String, _ reply: APICaller.Reply, refused: Bool) {
          sent += 1
          let code = Int(reply.status.code)
          if code >= 500 || !documented.contains(code) || (refused && code < 300) {
            problems.append("\(method.uppercased()) \(path) with \(what): \(code) \(reply.text.prefix(160))")
          }
        }
        if secured {
          check("no token", try await api.call(httpMethod, concrete, token: nil), refused: true)
          check("a token of another kind", try await api.call(httpMethod, concrete, token: otherKind), refused: true)
        }
        let body =
          (((operation["requestBody"] as? Object)?["content"] as? Object)?["application/json"] as? Object)?[
            "schema"] as? Object
        guard let body else { continue }
        check(
          "a body that is not JSON", try await api.call(httpMethod, concrete, token: token, body: "{not json"),
          refused: true)
        check(
          "a text/plain body",
          try await api.call(httpMethod, concrete, token: token, body: "{}", contentType: "text/plain"), refused: true)
        for (what, invalid) in Self.invalidBodies(body, document) {
          check(
            what, try await api.call(httpMethod, concrete, token: token, body: try Self.json(invalid)), refused: true)
        }
        check(
          "a valid body",
          try await api.call(httpMethod, concrete, token: token, body: try Self.json(Self.valid(body, document))),
          refused: false)
      }
      #expect(sent > 100)
      #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
  }
}
