import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Shared

/// A failed request: status, stable code and a message that says what to do, always as JSON
/// `{"error": {"code", "message", "errors"?}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
  public var status: HTTPResponse.Status
  public var code: String
  public var message: String
  public var errors: [String]?
  /// The methods the path takes, for a 405.
  public var allow: String? = nil

  public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, errors: [String]? = nil) {
    self.status = status
    self.code = code
    self.message = message
    self.errors = errors
  }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    let body = APIErrorBody(error: .init(code: code, message: message, errors: errors))
    var response = try JSONResponse.make(body, status: status)
    if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
    if let allow { response.headers[.allow] = allow }
    return response
  }

  static func from(_ error: StoreError) -> APIError {
    switch error {
    case .notFound(let code, let message): APIError(.notFound, code, message)
    case .forbidden(let code, let message): APIError(.forbidden, code, message)
    case .conflict(let code, let message): APIError(.conflict, code, message)
    case .gone(let code, let message): APIError(.gone, code, message)
    case .invalid(let code, let message): APIError(.unprocessableContent, code, message)
    case .corrupt(let message):
      APIError(.internalServerError, "internal_error", "stored data is inconsistent: \(message)")
    }
  }
}

/// Encodes API responses with the wire conventions (snake_case, sorted keys).
enum JSONResponse {
  static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try WireCoding.encoder().encode(value)
    return text(String(decoding: data, as: UTF8.self), status: status, contentType: "application/json")
  }

  static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String) -> Response {
    var buffer = ByteBuffer()
    buffer.writeString(text)
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
  }
}

/// Turns every error that escapes a handler (Hummingbird's own 404/405, decoding failures,
/// anything unexpected) into the JSON error format, so that clients parse one shape.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  /// The routes, to tell "no such path" (404) from "not with this method" (405).
  var routes: RouteTable? = nil

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
    -> Response
  {
    do {
      return try await next(request, context)
    } catch let error as APIError {
      throw error
    } catch let error as StoreError {
      if case .corrupt(let message) = error { context.logger.error("store inconsistency: \(message)") }
      throw APIError.from(error)
    } catch let error as HTTPError {
      if error.status == .notFound, let methods = routes?.methods(for: request.uri.path), !methods.isEmpty {
        var refusal = APIError(
          .methodNotAllowed, "method_not_allowed",
          "\(request.method) is not allowed on \(request.uri.path); it takes \(methods.joined(separator: ", "))")
        refusal.allow = methods.joined(separator: ", ")
        throw refusal
      }
      let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
      let message =
        error.status == .notFound
        ? "no route \(request.method) \(request.uri.path); see GET /openapi.yaml"
        : (error.body ?? error.status.reasonPhrase)
      throw APIError(error.status, code, message)
    } catch {
      context.logger.error("unexpected error on \(request.method) \(request.uri.path): \(error)")
      throw APIError(
        .internalServerError, "internal_error", "the coordinator failed to handle the request; see its log")
    }
  }
}
