#if os(Linux)
  // glibc's malloc_trim(3); the Glibc module does not export <malloc.h>.
  @_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Returns memory the allocator holds but no longer uses to the operating system.
enum MemoryRelease {
  static func returnFreedMemory() {
    #if os(Linux)
      _ = glibcMallocTrim(0)
    #endif
  }
}
