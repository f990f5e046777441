#if canImport(Darwin)
  extension Spawn {
    /// Darwin's spawn types are opaque pointers that `…_init` allocates.
    static func newFileActions() -> posix_spawn_file_actions_t { nil }
    static func newAttributes() -> posix_spawnattr_t { nil }

    /// Darwin closes every descriptor not named in the file actions with a spawn flag.
    static func closeOthers(_ actions: inout posix_spawn_file_actions_t) -> Int32 {
      Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
    }

    /// `posix_spawn_file_actions_addchdir_np`, in libSystem since macOS 10.15.
    static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
      posix_spawn_file_actions_addchdir_np(&actions, directory) == 0
    }
  }
#endif
