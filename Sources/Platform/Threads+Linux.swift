#if os(Linux)
  extension Threads {
    /// pthread_create(3) with a detached attribute; glibc's `pthread_t` is an integer.
    static func startDetached(_ box: UnsafeMutableRawPointer) -> Bool {
      var attributes = pthread_attr_t()
      pthread_attr_init(&attributes)
      defer { pthread_attr_destroy(&attributes) }
      pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
      var thread = pthread_t()
      return pthread_create(&thread, &attributes, { threadEntry($0) }, box) == 0
    }
  }
#endif
