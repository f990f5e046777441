/// A shard's place in the queue. The raw value is the column text.
public enum ShardState: String, Hashable, Sendable, CaseIterable {
  /// Has pending trials and no active lease: the next grant may take it.
  case pending
  /// Held by an active lease.
  case leased
  /// Nothing of it is left to run.
  case done
  /// Its trials are held until a transfer source's best configurations are queued.
  case waiting
}
