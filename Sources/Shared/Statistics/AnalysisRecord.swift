/// One finished trial as the analyses see it: read back from `results.jsonl`.
public struct AnalysisRecord: Hashable, Sendable {
  public var domain: String
  public var trialID: String
  /// Values in the spec's `space` order.
  public var values: [ParameterValue]
  public var objective: Double?
  /// `succeeded`, `failed` or `pruned`.
  public var status: String
  /// Stage name, `nil` without stages.
  public var stage: String?
  public var origin: TrialOrigin
  public var seconds: Double?
  /// Which run of its configuration this is (`replicates:`); nil without replicates.
  public var replicate: Int? = nil

  public init(
    domain: String, trialID: String, values: [ParameterValue], objective: Double?, status: String, stage: String?,
    origin: TrialOrigin, seconds: Double?
  ) {
    self.domain = domain
    self.trialID = trialID
    self.values = values
    self.objective = objective
    self.status = status
    self.stage = stage
    self.origin = origin
    self.seconds = seconds
  }

  /// Reads one `results.jsonl` object: parameters by the spec's names, the objective by its metric.
  /// The study's own rows (`sweep results --format seed`: domain, parameters, metrics, cost,
  /// timestamp) are read too: without `trial_id` the id is derived from the domain and the
  /// parameters as the coordinator derives it; without `status` a row with the objective
  /// succeeded and one without failed.
  public init?(json: JSONValue, spec: SweepSpec) {
    guard case .object(let entries) = json else { return nil }
    var fields: [String: JSONValue] = [:]
    for (key, value) in entries { fields[key] = value }
    guard case .string(let domain)? = fields["domain"] else { return nil }
    var values: [ParameterValue] = []
    for parameter in spec.space {
      switch fields[parameter.name] {
      case .int(let n)?: values.append(parameter.kind.coerce(.int(n)))
      case .double(let x)?: values.append(parameter.kind.coerce(.double(x)))
      case .string(let s)?: values.append(parameter.kind.coerce(.string(s)))
      default: return nil
      }
    }
    self.domain = domain
    self.values = values
    objective = fields[spec.objective.metric]?.number
    if case .string(let id)? = fields["trial_id"] {
      trialID = id
    } else {
      var replicate = 0
      if case .int(let n)? = fields["replicate"] { replicate = Int(n) }
      trialID = spec.makeTrial(domain: domain, index: 0, values: values, stage: 0, replicate: replicate).id
    }
    if case .string(let status)? = fields["status"] {
      self.status = status
    } else {
      status = objective != nil ? TrialState.succeeded.rawValue : TrialState.failed.rawValue
    }
    if case .string(let name)? = fields["stage"] { stage = name } else { stage = nil }
    if case .string(let text)? = fields["origin"], let origin = TrialOrigin(rawValue: text) {
      self.origin = origin
    } else {
      origin = .sampled
    }
    seconds = fields["duration_s"]?.number
    if case .int(let n)? = fields["replicate"] { replicate = Int(n) }
  }
}

extension JSONValue {
  /// The value as a number, when it is one.
  public var number: Double? {
    switch self {
    case .int(let n): Double(n)
    case .double(let x): x
    default: nil
    }
  }
}

extension SweepSpec {
  /// Surrogate observations of one domain's first stage (the stage every configuration ran in)
  /// from exported records: succeeded trials with the objective.
  public func observations(_ records: [AnalysisRecord], domain: String?) -> [AdaptiveProposer.Observation] {
    let first = stages.first?.name
    return records.filter { record in
      (domain == nil || record.domain == domain) && record.status == TrialState.succeeded.rawValue
        && record.stage == first
        && record.objective != nil
    }.map {
      AdaptiveProposer.Observation(values: $0.values, domain: $0.domain, objective: $0.objective!, seconds: $0.seconds)
    }
  }
}

/// `sweep results --transfer-report`: did the source's best configurations do well in the targets?
public struct TransferReport: Sendable {
  public struct Target: Sendable {
    public var domain: String
    public var transferred: Int
    /// Transferred configurations among the target's own top_k (by the objective).
    public var inTopK: Int
    public var topK: Int
    /// Spearman correlation of the objective in source and target over every configuration both ran.
    public var rankCorrelation: Double?
    public var sharedConfigurations: Int
    /// The target's best: its value, and whether it was a transferred configuration.
    public var best: Double?
    public var bestWasTransferred: Bool
    /// Whether the transfer held: the best transferred configuration against the target's own
    /// screening best (or the source's best), within `refine_if_worse_by` (0 without it).
    public var verdict: TransferVerdict?
    /// Trials run because it did not (`refine_trials`).
    public var refined: Int
  }

  public var source: String
  public var targets: [Target]

  public init?(spec: SweepSpec, records: [AnalysisRecord]) {
    guard let transfer = spec.transfer else { return nil }
    source = transfer.source
    let firstStage = spec.stages.first?.name
    func key(_ values: [ParameterValue]) -> String {
      TrialID.canonicalKey(zip(spec.space, values).map { ($0.0.name, $0.1) })
    }
    let usable = records.filter {
      $0.stage == firstStage && $0.status == TrialState.succeeded.rawValue && $0.objective != nil
    }
    let sourceByKey = Dictionary(
      usable.filter { $0.domain == transfer.source }.map { (key($0.values), $0.objective!) },
      uniquingKeysWith: { a, _ in a })
    targets = transfer.targets.map { domain in
      let mine = usable.filter { $0.domain == domain }
      let ranked = mine.sorted { spec.objective.isBetter($0.objective!, than: $1.objective!) }
      let top = ranked.prefix(transfer.topK)
      let shared = mine.compactMap { record in sourceByKey[key(record.values)].map { ($0, record.objective!) } }
      // Judged on what the engine judged: the screen before any refinement.
      let screened = mine.filter { $0.origin != .refined }
      let verdict = TransferVerdict(
        transferred: screened.filter { $0.origin == .transferred }.compactMap(\.objective),
        own: screened.filter { $0.origin != .transferred }.compactMap(\.objective),
        source: usable.filter { $0.domain == transfer.source }.compactMap(\.objective),
        margin: transfer.refine?.margin ?? 0, goal: spec.objective.goal)
      return Target(
        domain: domain, transferred: mine.filter { $0.origin == .transferred }.count,
        inTopK: top.filter { $0.origin == .transferred }.count, topK: transfer.topK,
        rankCorrelation: Statistics.spearman(shared.map(\.0), shared.map(\.1)), sharedConfigurations: shared.count,
        best: ranked.first?.objective, bestWasTransferred: ranked.first?.origin == .transferred, verdict: verdict,
        refined: records.filter { $0.domain == domain && $0.origin == .refined }.count)
    }
  }
}

extension JSONValue {
  /// A JSON value from a parsed document: plain scalars become numbers, booleans or null.
  public init(document node: DocumentNode) {
    switch node {
    case .scalar(let scalar):
      if scalar.quoted {
        self = .string(scalar.text)
      } else if scalar.isNull {
        self = .null
      } else if scalar.text == "true" || scalar.text == "false" {
        self = .bool(scalar.text == "true")
      } else if let n = Int64(scalar.text) {
        self = .int(n)
      } else if let x = Double(scalar.text) {
        self = .double(x)
      } else {
        self = .string(scalar.text)
      }
    case .sequence(let items, _): self = .array(items.map(JSONValue.init(document:)))
    case .mapping(let entries, _): self = .object(entries.map { ($0.key.text, JSONValue(document: $0.value)) })
    }
  }
}

extension ParameterKind {
  /// A value read back from an export, in this parameter's own type (an int range gives ints,
  /// a real range doubles, a list its listed entry).
  public func coerce(_ value: ParameterValue) -> ParameterValue {
    switch self {
    case .fixed(let fixed): return fixed.canonical == value.canonical ? fixed : value
    case .integer: return value.numeric.map { .int(Int64($0.rounded())) } ?? value
    case .uniform, .logUniform: return value.numeric.map(ParameterValue.double) ?? value
    case .values(let values):
      return values.first {
        $0 == value || $0.canonical == value.canonical
          || ($0.numeric != nil && $0.numeric == value.numeric)
      } ?? value
    }
  }
}
