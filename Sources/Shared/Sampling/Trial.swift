/// One configuration of one domain: a training run to be done.
public struct Trial: Hashable, Sendable {
  /// Stable id: the same sweep name, domain and parameter values always give the same id.
  public var id: String
  public var domain: String
  /// Position within its domain's sample, from 0.
  public var index: Int
  /// Parameter values in the order of the spec's `space`.
  public var params: [(name: String, value: ParameterValue)]
  /// The command with every placeholder filled.
  public var argv: [String]

  public init(id: String, domain: String, index: Int, params: [(name: String, value: ParameterValue)], argv: [String]) {
    self.id = id
    self.domain = domain
    self.index = index
    self.params = params
    self.argv = argv
  }

  public static func == (lhs: Trial, rhs: Trial) -> Bool {
    lhs.id == rhs.id && lhs.domain == rhs.domain && lhs.index == rhs.index && lhs.argv == rhs.argv
      && lhs.params.map(\.name) == rhs.params.map(\.name) && lhs.params.map(\.value) == rhs.params.map(\.value)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(id)
    hasher.combine(index)
  }

  /// The value of a parameter by name.
  public subscript(parameter name: String) -> ParameterValue? {
    params.first { $0.name == name }?.value
  }
}

/// How trial ids are made.
public enum TrialID {
  /// The canonical identity of a configuration: parameters sorted by name, so that reordering
  /// `space` keeps every id.
  public static func canonicalKey(_ params: [(name: String, value: ParameterValue)]) -> String {
    params.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value.canonical)" }.joined(separator: "\u{1F}")
  }

  /// 16 hex digits of a stable 64-bit hash of sweep name, domain and canonical key.
  public static func make(sweep: String, domain: String, canonicalKey: String) -> String {
    var hash = StableHash()
    hash.combine(sweep)
    hash.combine(domain)
    hash.combine(canonicalKey)
    let hex = String(hash.finalized, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

extension SweepSpec {
  /// A trial of this sweep: its id, and its command with every placeholder filled. Trials of a
  /// later stage hash the stage name too, so a configuration re-run by a stage that overrides
  /// nothing still gets an id of its own. In a sweep with replicates (in any stage) every trial
  /// carries `replicate` and `seed` as two more parameters — `{seed}`, `SWEEP_SEED`, exported
  /// columns, ignored by the analyses, which see one configuration with several results — so
  /// each replicate has an id of its own.
  public func makeTrial(domain: String, index: Int, values: [ParameterValue], stage: Int, replicate: Int = 0) -> Trial {
    var params = zip(space, values).map { (name: $0.0.name, value: $0.1) }
    let seed = replicateSeed(replicate)
    if isReplicated {
      params.append((name: "replicate", value: .int(Int64(replicate))))
      params.append((name: "seed", value: .int(seed)))
    }
    var key = TrialID.canonicalKey(params)
    if stage > 0, stage < stages.count { key += "\u{1F}stage=" + stages[stage].name }
    let id = TrialID.make(sweep: name, domain: domain, canonicalKey: key)
    var placeholders = Dictionary(params.map { ($0.name, $0.value.canonical) }, uniquingKeysWith: { a, _ in a })
    placeholders["domain"] = domain
    placeholders["trial_id"] = id
    placeholders["output_dir"] = CommandTemplate.outputDirectoryMarker
    return Trial(id: id, domain: domain, index: index, params: params, argv: command.render(placeholders))
  }

  /// Every replicate of a configuration, replicate 0 first, at consecutive indices from `index`.
  public func makeTrials(domain: String, index: Int, values: [ParameterValue], stage: Int) -> [Trial] {
    (0..<replicates(inStage: stage)).map {
      makeTrial(domain: domain, index: index + $0, values: values, stage: stage, replicate: $0)
    }
  }

  /// The seed of replicate `k`: the same for every configuration and domain of the sweep, so that
  /// replicate k of two configurations ran on the same seed and can be compared pairwise.
  public func replicateSeed(_ replicate: Int) -> Int64 {
    var hash = StableHash()
    hash.combine(seed)
    hash.combine("replicate")
    hash.combine(UInt64(replicate))
    return Int64(hash.finalized % 2_147_483_647) + 1
  }

  /// Runs of each configuration in `stage`: the stage's `replicates`, else the sweep's.
  public func replicates(inStage stage: Int) -> Int {
    max(1, (stages.indices.contains(stage) ? stages[stage].replicates : nil) ?? replicates)
  }

  /// Whether any stage runs configurations more than once.
  public var isReplicated: Bool { replicates > 1 || stages.contains { ($0.replicates ?? 1) > 1 } }

  /// The parameter columns of the sweep's results: `space`, then `replicate` and `seed` with replicates.
  public var resultParameterNames: [String] { space.map(\.name) + (isReplicated ? ["replicate", "seed"] : []) }
}
