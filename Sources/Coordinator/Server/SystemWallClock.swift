import Foundation
import Shared

/// The real wall clock.
public struct SystemWallClock: WallClock {
  public init() {}
  public var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
}
