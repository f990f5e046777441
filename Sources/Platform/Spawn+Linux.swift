#if os(Linux)
  extension Spawn {
    /// glibc's spawn types are structs initialised in place.
    static func newFileActions() -> posix_spawn_file_actions_t { posix_spawn_file_actions_t() }
    static func newAttributes() -> posix_spawnattr_t { posix_spawnattr_t() }

    typealias AddChdir =
      @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) ->
      Int32
    /// glibc 2.29+ has `posix_spawn_file_actions_addchdir_np`, but its header hides it from Swift:
    /// looked up at run time (`RTLD_DEFAULT` is a null handle on glibc).
    static let addChdirFunction: AddChdir? = {
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
        return nil
      }
      return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
      guard let function = addChdirFunction else { return false }
      return function(&actions, directory) == 0
    }
  }
#endif
