/// A registered worker's state. The raw value is the column text.
public enum WorkerState: String, Hashable, Sendable, Codable, CaseIterable {
  /// Heard from; every call of the worker makes it active again.
  case active
  /// Its last lease expired for want of heartbeats.
  case lost
  /// It said goodbye (or an admin removed it); its calls are answered 410.
  case deregistered
}
