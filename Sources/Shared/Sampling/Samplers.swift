/// The three ways of drawing configurations. Each returns rows of values, one per trial, in the
/// order of `space`; the ``DomainSampler`` turns rows into trials.
public enum Samplers {
  /// Every combination, the last parameter varying fastest. The caller has checked the size.
  public static func grid(_ space: [Parameter]) -> [[ParameterValue]] { Array(RowStream.grid(space)) }

  /// `count` independent draws from each parameter's distribution.
  public static func random(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar) -> [[ParameterValue]]
  {
    var rows: [[ParameterValue]] = []
    rows.reserveCapacity(count)
    for _ in 0..<count { rows.append(space.map { $0.kind.value(atQuantile: generator.nextOpenUnit()) }) }
    return rows
  }

  /// A Latin hypercube of `count` points (see ``RowStream/latinHypercube(_:count:generator:)``).
  public static func latinHypercube(_ space: [Parameter], count: Int, generator: inout Xoshiro256StarStar)
    -> [[ParameterValue]]
  {
    Array(RowStream.latinHypercube(space, count: count, generator: &generator))
  }
}
