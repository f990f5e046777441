// The C library of the platform, for this layer only: every other file calls the functions
// below instead of `Glibc.` or `Darwin.` (`.ci/platform-check` fails CI on one that does).
#if canImport(Glibc)
  @_exported import Glibc
#elseif canImport(Darwin)
  @_exported import Darwin
#endif
