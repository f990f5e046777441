/// Standard normal samples (Box–Muller) from our own generator, so draws are the same everywhere.
public enum Gaussian {
  public static func sample(_ generator: inout Xoshiro256StarStar) -> Double {
    let u1 = generator.nextOpenUnit()
    let u2 = generator.nextOpenUnit()
    return (-2 * Math.log(u1)).squareRoot() * Math.cos(2 * .pi * u2)
  }
}
