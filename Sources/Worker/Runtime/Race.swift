/// Runs `operation` until it finishes, `deadline` passes on `clock`, or `interrupt` opens,
/// whichever comes first; the losers are cancelled. Nil when the operation did not finish.
/// `operation` must end promptly when cancelled.
func race<T: Sendable>(
  _ operation: @escaping @Sendable () async -> T, deadline: Duration? = nil, clock: any WorkerClock,
  interrupt: Latch? = nil
) async -> T? {
  await withTaskGroup(of: T?.self) { group in
    group.addTask { await operation() }
    if let deadline {
      group.addTask {
        try? await clock.sleep(until: deadline)
        return nil
      }
    }
    if let interrupt {
      group.addTask {
        await interrupt.wait()
        return nil
      }
    }
    let first = await group.next() ?? nil
    group.cancelAll()
    return first
  }
}

extension WorkerClock {
  /// Sleeps until `deadline` unless `interrupt` opens first; returns whether the full time passed.
  @discardableResult
  func sleep(until deadline: Duration, unless interrupt: Latch) async -> Bool {
    if interrupt.isOpen { return false }
    let slept: Bool? = await race(
      {
        do {
          try await self.sleep(until: deadline)
          return true
        } catch { return false }
      }, clock: self, interrupt: interrupt)
    return slept == true
  }
}
