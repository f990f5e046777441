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

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc 2.34+: closes every descriptor from 3 up in the child, hidden from Swift like addchdir.
    static let addCloseFromFunction: AddCloseFrom? = {
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
      else { return nil }
      return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Closes every inherited descriptor above standard error in the child (where the C library
    /// can); no extra flags.
    static func closeOthers(_ actions: inout posix_spawn_file_actions_t) -> Int32 {
      _ = addCloseFromFunction.map { $0(&actions, 3) }
      return 0
    }

    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
      guard let function = addChdirFunction else { return false }
      return function(&actions, directory) == 0
    }
  }
#endif
