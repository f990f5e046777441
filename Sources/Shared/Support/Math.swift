#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few libm functions the domain needs, behind one name so that no other file imports a C module.
enum Math {
  static func log(_ x: Double) -> Double { libmLog(x) }
  static func exp(_ x: Double) -> Double { libmExp(x) }
}

private func libmLog(_ x: Double) -> Double { log(x) }
private func libmExp(_ x: Double) -> Double { exp(x) }
