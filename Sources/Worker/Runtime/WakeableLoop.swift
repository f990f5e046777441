/// The "something new to do" flag of a loop that sleeps until told (the result sender, the
/// uploader). A notify while the loop is busy is kept, so the loop never sleeps through work.
/// Lives inside an actor, which serialises every use.
struct WakeFlag {
  private var pending = true
  private var waiter: CheckedContinuation<Void, Never>?

  var isPending: Bool { pending }

  mutating func notify() {
    pending = true
    waiter?.resume()
    waiter = nil
  }

  mutating func park(_ continuation: CheckedContinuation<Void, Never>) {
    if pending { continuation.resume() } else { waiter = continuation }
  }

  mutating func clear() { pending = false }
}

/// An actor whose loop sleeps until ``notify()`` (event-driven: no polling).
protocol WakeableLoop: Actor {
  var wake: WakeFlag { get set }
}

extension WakeableLoop {
  /// Something new is waiting.
  func notify() { wake.notify() }

  /// Returns at once if notified since the last call, else once notified or cancelled; then
  /// clears the flag (work found later is announced by another notify).
  func sleepUntilNotified() async {
    if !wake.isPending {
      await withTaskCancellationHandler {
        await withCheckedContinuation { wake.park($0) }
      } onCancel: {
        Task { await self.notify() }
      }
    }
    wake.clear()
  }
}
