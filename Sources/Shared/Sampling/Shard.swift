/// The trials handed out together in one lease; never spans domains.
public struct Shard: Hashable, Sendable {
  public var domain: String
  /// Position among the domain's shards, from 0.
  public var ordinal: Int
  public var trialIDs: [String]

  public init(domain: String, ordinal: Int, trialIDs: [String]) {
    self.domain = domain
    self.ordinal = ordinal
    self.trialIDs = trialIDs
  }

  /// Groups a domain's trials, in order, into shards of at most `size`.
  public static func make(_ sample: DomainSample, size: Int) -> [Shard] {
    let size = max(1, size)
    return stride(from: 0, to: sample.trials.count, by: size).enumerated().map { ordinal, start in
      let end = min(start + size, sample.trials.count)
      return Shard(domain: sample.domain, ordinal: ordinal, trialIDs: sample.trials[start..<end].map(\.id))
    }
  }
}
