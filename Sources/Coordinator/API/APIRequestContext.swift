import Hummingbird
import Shared

/// The context of every API request. ``AuthenticationMiddleware`` fills in who is calling on
/// the routes that need it; the role contexts below turn that into what a handler may rely on,
/// so no handler checks a token itself.
public struct APIRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The caller, when the request carried a valid bearer token.
  public var principal: Principal?

  public init(source: Source) {
    coreContext = .init(source: source)
  }

  /// The caller, or 401 naming what to send.
  func requirePrincipal() throws -> Principal {
    guard let principal else {
      throw APIError(
        .unauthorized, "unauthorized", "missing bearer token; send 'Authorization: Bearer TOKEN' (see the tokens file)")
    }
    return principal
  }
}

/// Routes for admins (the admin token): sweeps, the worker list, metrics.
public struct AdminContext: ChildRequestContext {
  public var coreContext: CoreRequestContextStorage

  public init(context: APIRequestContext) throws {
    guard try context.requirePrincipal() == .admin else {
      throw APIError(.forbidden, "forbidden", "this endpoint needs the admin token; a worker credential cannot call it")
    }
    coreContext = context.coreContext
  }
}

/// Routes for a registered worker (its own credential): leases, heartbeats, results.
public struct WorkerContext: ChildRequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The calling worker.
  public let worker: WorkerRecord

  public init(context: APIRequestContext) throws {
    guard case .worker(let worker) = try context.requirePrincipal() else {
      throw APIError(.forbidden, "forbidden", "this endpoint needs a worker credential (from POST /v1/workers)")
    }
    self.worker = worker
    coreContext = context.coreContext
  }
}

/// Registration: the worker join token (or the admin token).
public struct JoinerContext: ChildRequestContext {
  public var coreContext: CoreRequestContextStorage

  public init(context: APIRequestContext) throws {
    switch try context.requirePrincipal() {
    case .joiner, .admin: break
    case .worker:
      throw APIError(.forbidden, "forbidden", "registering needs the worker join token, not a worker credential")
    case .viewer:
      throw APIError(.forbidden, "forbidden", "registering needs the worker join token; the viewer token only reads")
    }
    coreContext = context.coreContext
  }
}

/// Routes that only read what the dashboard shows: the admin token or the read-only viewer token.
public struct ReaderContext: ChildRequestContext {
  public var coreContext: CoreRequestContextStorage

  public init(context: APIRequestContext) throws {
    switch try context.requirePrincipal() {
    case .admin, .viewer: break
    default:
      throw APIError(.forbidden, "forbidden", "this endpoint needs the admin token or the viewer token")
    }
    coreContext = context.coreContext
  }
}

/// Any authenticated caller; the handler decides by the resource (a worker may remove only itself).
public struct CallerContext: ChildRequestContext {
  public var coreContext: CoreRequestContextStorage
  public let principal: Principal

  public init(context: APIRequestContext) throws {
    principal = try context.requirePrincipal()
    coreContext = context.coreContext
  }
}

/// Reads the bearer token of a request on an authenticated route: an admin, a joiner or a
/// registered worker goes into the context; an invalid token is 401, a deregistered worker 410.
/// A request without a token goes on without a principal, and its role context refuses it.
struct AuthenticationMiddleware: RouterMiddleware {
  typealias Context = APIRequestContext
  let authenticator: Authenticator

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
    -> Response
  {
    var context = context
    if request.headers[.authorization] != nil { context.principal = try await authenticator.principal(of: request) }
    return try await next(request, context)
  }
}
