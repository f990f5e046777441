import Synchronization

/// The router's routes as path patterns and methods, for the one question Hummingbird's router
/// does not answer: a path that exists but not with this method is 405 with `Allow`, not 404.
final class RouteTable: Sendable {
  private let routes = Mutex<[(segments: [Substring], method: String)]>([])

  /// Takes the router's routes (`/v1/sweeps/{id}` and their methods) once it is built.
  func set(_ list: [(path: String, method: String)]) {
    routes.withLock { $0 = list.map { (Self.segments($0.path), $0.method.uppercased()) } }
  }

  /// The methods a path takes, sorted; empty when no route has the path.
  func methods(for path: String) -> [String] {
    let wanted = Self.segments(path)
    let found = routes.withLock { routes in
      routes.filter { route in
        route.segments.count == wanted.count
          && zip(route.segments, wanted).allSatisfy { pattern, part in pattern.hasPrefix("{") || pattern == part }
      }.map(\.method)
    }
    return Array(Set(found)).sorted()
  }

  static func segments(_ path: String) -> [Substring] { path.split(separator: "/", omittingEmptySubsequences: true) }
}
