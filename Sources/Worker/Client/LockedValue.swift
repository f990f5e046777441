import Synchronization

/// A value behind a lock.
public final class LockedValue<Value: Sendable>: Sendable {
  private let storage: Mutex<Value>
  public init(_ value: Value) { storage = Mutex(value) }
  public var value: Value { storage.withLock { $0 } }
  public func set(_ value: Value) { storage.withLock { $0 = value } }
  public func update<T>(_ body: (inout Value) -> T) -> T { storage.withLock { body(&$0) } }
}
