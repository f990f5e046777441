/// Dedicated threads for work that blocks in the kernel (waiting for a child, reading its pipes),
/// so that it never holds a thread of Swift's concurrency pool or of libdispatch.
public enum Threads {
  /// Runs `body` on a new detached thread.
  public static func detach(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    guard startDetached(box) else {
      // Out of threads: run it here rather than lose it (it blocks the caller).
      Unmanaged<ThreadBody>.fromOpaque(box).takeRetainedValue().run()
      return
    }
  }
}

final class ThreadBody: Sendable {
  let run: @Sendable () -> Void
  init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// The thread's entry point: takes the box back and runs it.
func threadEntry(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  guard let argument else { return nil }
  Unmanaged<ThreadBody>.fromOpaque(argument).takeRetainedValue().run()
  return nil
}
