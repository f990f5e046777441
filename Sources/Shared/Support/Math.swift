#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few libm functions the project needs, behind one name so that no other file imports a C
/// module for them (and the Worker needs no Foundation for them).
public enum Math {
  public static func log(_ x: Double) -> Double { libmLog(x) }
  public static func exp(_ x: Double) -> Double { libmExp(x) }
  public static func cos(_ x: Double) -> Double { libmCos(x) }
  public static func pow(_ x: Double, _ y: Double) -> Double { libmPow(x, y) }
  public static func erf(_ x: Double) -> Double { libmErf(x) }
  /// log Γ(x) for x > 0.
  public static func logGamma(_ x: Double) -> Double { libmLogGamma(x) }

  /// The standard normal distribution function Φ.
  public static func normalCDF(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }
  /// The standard normal density φ.
  public static func normalPDF(_ z: Double) -> Double { exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
}

private func libmLog(_ x: Double) -> Double { log(x) }
private func libmExp(_ x: Double) -> Double { exp(x) }
private func libmCos(_ x: Double) -> Double { cos(x) }
private func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
private func libmErf(_ x: Double) -> Double { erf(x) }
private func libmLogGamma(_ x: Double) -> Double { lgamma(x) }
