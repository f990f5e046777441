import Shared

/// What the dashboard needs besides the API's environment: its data, its session keys, and
/// whether cookies must be Secure (HTTPS).
public struct DashboardEnvironment: Sendable {
  public var data: DashboardData
  public var store: any DashboardStore
  public var keys: DashboardSession.Keys
  public var secure: Bool

  public init(store: any SweepStore & DashboardStore, clock: any WallClock, keys: DashboardSession.Keys, secure: Bool) {
    self.data = DashboardData(store: store, dashboard: store, clock: clock)
    self.store = store
    self.keys = keys
    self.secure = secure
  }
}
