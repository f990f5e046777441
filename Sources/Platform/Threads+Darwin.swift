#if canImport(Darwin)
  extension Threads {
    /// pthread_create(3) with a detached attribute; Darwin's `pthread_t` is an optional pointer
    /// and the start routine takes a non-optional argument.
    static func startDetached(_ box: UnsafeMutableRawPointer) -> Bool {
      var attributes = pthread_attr_t()
      pthread_attr_init(&attributes)
      defer { pthread_attr_destroy(&attributes) }
      pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED)
      var thread: pthread_t? = nil
      return pthread_create(&thread, &attributes, { threadEntry($0) }, box) == 0
    }
  }
#endif
