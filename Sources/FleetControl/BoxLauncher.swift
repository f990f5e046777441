import Shared

/// Starts and stops the boxes of one group: the fleet's only way to spend money outside the
/// coordinator. Injected, so the controller's rules run in tests against a launcher that records.
protocol BoxLauncher: Sendable {
  /// Rents `box`; returns its id (what `down` needs), or throws why nothing was rented.
  func up(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError) -> String?
  /// Gives `box` back; returns when the provider says it is stopped.
  func down(_ box: FleetBox, group: FleetGroup) async throws(FleetCommandError)
  /// Each box whose worker ended by itself (only launchers that can see the worker report it).
  var exits: AsyncStream<String> { get }
}

/// An `up` or `down` that failed, with what it printed.
struct FleetCommandError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
