import Foundation
import Shared
import SpecReading
import Testing

@Suite struct SpecDecoderTests {
  @Test func decodesEveryKeyOfAValidSpec() throws {
    let spec = try SpecFixtures.decode(SpecFixtures.valid)
    #expect(spec.name == "test")
    #expect(spec.budget == MicroDollars(5_000_000))
    #expect(spec.domains == ["financial", "legal"])
    #expect(spec.sampler == .lhs)
    #expect(spec.trialsPerDomain == 8)
    #expect(spec.shardSize == 1)
    #expect(spec.maxAttempts == 3)
    #expect(spec.objective == Objective(metric: "accuracy", goal: .maximize))
    #expect(spec.estimatedTrialDuration == .seconds(25 * 60))
    #expect(spec.space.map(\.name) == ["rank", "weight_decay", "alpha", "epochs"])
    #expect(spec.space[0].kind == .integer(lower: 4, upper: 64, step: 1, log: true, gridPoints: nil))
    #expect(spec.space[1].kind == .logUniform(lower: 1e-6, upper: 5e-4, gridPoints: nil))
    #expect(spec.space[2].kind == .values([.int(8), .int(16), .int(32)]))
    #expect(spec.space[3].kind == .fixed(.int(3)))
    #expect(spec.command.placeholders == ["rank", "weight_decay", "alpha", "domain", "trial_id"])
  }

  @Test func yamlAndJsonGiveTheSameSpec() throws {
    let yaml = try SpecFixtures.decode(
      """
      name: same
      budget_usd: 0.30
      domains: [a, b]
      sampler: grid
      trial_timeout: 90s
      estimate: {minutes_per_trial: 2.5}
      space:
        lr: {log_uniform: [1e-5, 1e-3], grid_points: 3}
        opt: [adamw, "sgd"]
      command: [run, "{lr}", "{opt}"]
      """)
    let json = try SpecFixtures.decode(
      """
      {"name": "same", "budget_usd": 0.30, "domains": ["a", "b"], "sampler": "grid", "trial_timeout": "90s",
       "estimate": {"minutes_per_trial": 2.5},
       "space": {"lr": {"log_uniform": [1e-5, 1e-3], "grid_points": 3}, "opt": ["adamw", "sgd"]},
       "command": ["run", "{lr}", "{opt}"]}
      """, file: "same.json")
    #expect(yaml == json)
    #expect(yaml.budget == MicroDollars(300_000))
    #expect(yaml.trialTimeout == .seconds(90))
    #expect(yaml.estimatedTrialDuration == .seconds(150))
  }

  @Test func reportsEveryErrorAtOnceWithPositions() {
    let problems = SpecFixtures.problems(
      """
      name: bad
      budget_usd: -3
      domains: [a, a]
      sampler: lhs
      trials_per_domain: 4
      space:
        rank: {int: [64, 4]}
        wd: {log_uniform: [0, 1e-3]}
      command: [run, "{rnak}"]
      stages: [{name: screen, rnak: 8}]
      transfer: {from: b}
      """)
    // (transfer.top_k's path once lacked its table: "top_k")
    let lines = problems.map { "\($0.position?.description ?? "-") \($0.path)" }
    // One pass: the placeholder, the stage's key and the transfer's source are checked against the
    // names the broken space and domain list declared, not left for after those are fixed.
    #expect(
      lines == [
        "2:13 budget_usd", "3:14 domains[1]", "7:15 space.rank.int", "8:21 space.wd.log_uniform", "9:16 command[1]",
        "10:31 stages[0].rnak", "11:11 transfer.top_k", "11:18 transfer.from",
      ])
    #expect(problems.first { $0.path == "command[1]" }?.message.contains("did you mean '{rank}'") == true)
  }

  @Test func formatsDiagnosticsAsFileLineColumnPathMessage() {
    do {
      _ = try SpecDecoder.decode("name: x\nbudget: 3\n", file: "sweep.yaml")
      Issue.record("expected an error")
    } catch {
      #expect(error.lines.contains("sweep.yaml:2:1: budget: unknown key 'budget'; did you mean 'budget_usd'?"))
      #expect(error.lines.contains { $0.hasPrefix("sweep.yaml:1:1: domains: missing") })
    }
  }

  @Test func rejectsUnknownKeysWithADidYouMean() {
    let problems = SpecFixtures.problems(SpecFixtures.valid.replacingFirst("seed: 1", with: "sed: 1"))
    #expect(problems.count == 1)
    #expect(problems[0].path == "sed")
    #expect(problems[0].message == "unknown key 'sed'; did you mean 'seed'?")
    #expect(problems[0].position == SourcePosition(line: 4, column: 1))
  }

  @Test func rejectsPlaceholdersThatNameNothing() {
    let problems = SpecFixtures.problems(SpecFixtures.valid.replacingFirst("\"{alpha}\"", with: "\"{alpah}\""))
    #expect(problems.count == 1)
    #expect(problems[0].path == "command[7]")
    #expect(problems[0].message.hasPrefix("placeholder {alpah} names nothing; did you mean '{alpha}'?"))
  }

  @Test func rejectsAShellStringCommand() {
    let problems = SpecFixtures.problems(
      SpecFixtures.valid.replacingFirst(
        "command: [python, train.py, --rank, \"{rank}\", --wd, \"{weight_decay}\", --alpha, \"{alpha}\", \"--out=runs/{domain}/{trial_id}\"]",
        with: "command: \"python train.py --rank {rank}\""))
    #expect(problems.map(\.path) == ["command"])
    #expect(problems[0].message.contains("expected argv as a list"))
  }

  @Test(arguments: [
    ("budget_usd: 1e400", "budget_usd", "is not a decimal amount"),
    ("budget_usd: .nan", "budget_usd", "is not a decimal amount"),
    ("budget_usd: 1.0000001", "budget_usd", "more than 6 decimals"),
    ("budget_usd: -1", "budget_usd", "is negative"),
    ("seed: -4", "seed", "is not a seed"),
    ("shard_size: 0", "shard_size", "out of range"),
    ("max_attempts: \"3\"", "max_attempts", "remove the quotes"),
    ("trial_timeout: forever", "trial_timeout", "is not a positive duration"),
    ("trial_timeout: 0s", "trial_timeout", "is not a positive duration"),
    ("sampler: lsh", "sampler", "did you mean 'lhs'?"),
    ("objective: {metric: accuracy, goal: maximise}", "objective.goal", "did you mean 'maximize'?"),
    ("objective: {metric: cost}", "objective.metric", "is a column of every result"),
    ("objective: {metric: rank}", "objective.metric", "is also a parameter"),
    ("estimate: {minutes_per_trial: -2}", "estimate.minutes_per_trial", "out of range"),
    ("estimate: {minutes_per_trial: .inf}", "estimate.minutes_per_trial", "not a finite number"),
    ("estimate: {cost_usd_per_trial: 1, usd_per_1k_tokens: 0.008}", "estimate", "not both"),
    ("estimate: {usd_per_1k_tokens: 0.008}", "estimate.tokens_per_trial", "missing"),
    ("estimate: {cost_usd_per_trial: 1, tokens_per_trial: 5}", "estimate.tokens_per_trial", "usd_per_1k_tokens only"),
    ("estimate: {cost_usd_per_trial: -1}", "estimate.cost_usd_per_trial", "is negative"),
    ("estimate: {cost_usd_per_trial: 1000000}", "estimate", "raise budget_usd"),
    ("estimate: {}", "estimate.minutes_per_trial", "missing"),
    ("name: \"bad name\"", "name", "is not a valid name"),
    ("name: \"x\\u0007y\"", "name", "'x\\u{7}y' is not a valid name"),
    ("trials_per_domain: 0", "trials_per_domain", "out of range"),
    ("trials_per_domain: 99999999999999999999", "trials_per_domain", "is not an integer"),
  ])
  func rejectsBadScalars(line: String, path: String, fragment: String) {
    let key = line.split(separator: ":")[0]
    let text =
      SpecFixtures.valid.split(separator: "\n").filter { !$0.hasPrefix(key + ":") }.joined(separator: "\n")
      + "\n\(line)\n"
    let problems = SpecFixtures.problems(text)
    #expect(problems.map(\.path) == [path], "\(problems)")
    #expect(problems.first?.message.contains(fragment) == true, "\(problems.first?.message ?? "none")")
    #expect(problems.first?.position != nil)
  }

  @Test(arguments: [
    ("rank: {int: [4, 4]}", "space.rank.int", "holds a single value; use value: 4"),
    ("rank: {int: [4.5, 8]}", "space.rank.int[0]", "is not an integer"),
    ("rank: {int: [0, 8], log: true}", "space.rank.int", "must stay above 0"),
    ("rank: {int: [1, 8], step: 0}", "space.rank.step", "out of range"),
    ("rank: {int: [1, 8], step: 20}", "space.rank.step", "wider than the range"),
    ("rank: {int: [1, 2, 3]}", "space.rank.int", "found 3 items"),
    ("rank: {uniform: [1, .inf]}", "space.rank.uniform[1]", "not a finite number"),
    ("rank: {uniform: [2, 1]}", "space.rank.uniform", "is greater than hi"),
    ("rank: {log_uniform: [-1, 1]}", "space.rank.log_uniform", "must stay above 0"),
    ("rank: {values: []}", "space.rank.values", "the list is empty"),
    ("rank: {values: [1, 2, 1]}", "space.rank.values[2]", "repeats"),
    ("rank: {vales: [1, 2]}", "space.rank.vales", "did you mean 'values'?"),
    ("rank: {values: [1], value: 2}", "space.rank", "several kinds"),
    ("rank: {step: 2}", "space.rank", "no kind given"),
    ("rank: {values: [1, 2], log: true}", "space.rank.log", "int ranges only"),
    ("Rank: {values: [1, 2]}", "space.Rank", "is not a parameter name"),
    ("status: {values: [1, 2]}", "space.status", "is a column of every result"),
  ])
  func rejectsBadParameters(definition: String, path: String, fragment: String) {
    let text = """
      name: p
      domains: [a]
      sampler: random
      trials_per_domain: 3
      space:
        \(definition)
      command: [run]
      """
    let problems = SpecFixtures.problems(text)
    #expect(problems.map(\.path) == [path], "\(problems)")
    #expect(problems.first?.message.contains(fragment) == true, "\(problems.first?.message ?? "none")")
    #expect(problems.first?.position?.line == 6)
  }

  @Test func rejectsDuplicateKeysNamingTheFirst() {
    let problems = SpecFixtures.problems(SpecFixtures.valid + "\nseed: 2\n")
    #expect(problems.count == 1)
    #expect(problems[0].message == "the key 'seed' appears more than once in one mapping (first here); keep one")
    #expect(problems[0].position == SourcePosition(line: 4, column: 1))
    let json = SpecFixtures.problems("{\"name\": \"a\", \"name\": \"b\"}", file: "d.json")
    #expect(
      json.contains {
        $0.path == "name" && $0.message == "the key appears twice (first at line 1); keep one"
          && $0.position == SourcePosition(line: 1, column: 15)
      })
  }

  @Test func rejectsAGridLargerThanTheLimitWithoutEnumeratingIt() {
    let axis = "{int: [1, 1000000]}"
    let problems = SpecFixtures.problems(
      """
      name: huge
      domains: [a]
      sampler: grid
      space:
        a: \(axis)
        b: \(axis)
      command: [run]
      """)
    #expect(problems.map(\.path) == ["sampler"])
    #expect(problems[0].message.contains("the grid has 1000000000000 trials"))
  }

  @Test func requiresDiscreteParametersOnAGrid() {
    let problems = SpecFixtures.problems(
      "name: g\ndomains: [a]\nsampler: grid\nspace:\n  lr: {uniform: [0, 1]}\ncommand: [run]\n")
    #expect(problems.map(\.path) == ["space.lr"])
    #expect(problems[0].message.contains("add grid_points: n"))
  }

  @Test func requiresTrialsPerDomainForSampledSweepsOnly() {
    let missing = SpecFixtures.problems("name: g\ndomains: [a]\nsampler: lhs\nspace:\n  r: [1, 2]\ncommand: [run]\n")
    #expect(missing.map(\.path) == ["trials_per_domain"])
    let extra = SpecFixtures.problems(
      "name: g\ndomains: [a]\nsampler: grid\ntrials_per_domain: 3\nspace:\n  r: [1, 2]\ncommand: [run]\n")
    #expect(extra.map(\.path) == ["trials_per_domain"])
  }

  @Test(arguments: [
    ("", "the document is empty"),
    ("name: [unclosed", "not valid YAML"),
    ("key: value\n  bad: indent", "not valid YAML"),
    ("- a\n- b\n", "expected a sweep spec (a mapping of keys), found a list"),
    ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "nesting deeper than"),
  ])
  func reportsMalformedYamlWithAPosition(text: String, fragment: String) {
    let problems = SpecFixtures.problems(text)
    #expect(problems.count == 1)
    #expect(problems.first?.message.contains(fragment) == true, "\(problems)")
    #expect(problems.first?.position != nil)
  }

  @Test(arguments: [
    ("{\"name\": \"x\",", 1, 14, "unexpected end of file"),
    ("{\"name\": \"x\",}", 1, 14, "trailing comma"),
    ("{\n  \"name\": 01\n}", 2, 12, "leading zeros"),
    ("{\"name\": \"x\"} extra", 1, 15, "after the end of the document"),
    ("{\"name\": \"unterminated", 1, 10, "unterminated string"),
    ("{\"a\": tru}", 1, 10, "expected 'true'"),
    ("{\"a\": \"\\q\"}", 1, 9, "unknown escape"),
  ])
  func reportsMalformedJsonWithLineAndColumn(text: String, line: Int, column: Int, fragment: String) {
    let problems = SpecFixtures.problems(text, file: "s.json")
    #expect(problems.count == 1)
    #expect(problems.first?.position == SourcePosition(line: line, column: column), "\(problems)")
    #expect(problems.first?.message.contains(fragment) == true, "\(problems)")
  }

  @Test func jsonErrorsInsideAValidDocumentHavePositions() {
    let problems = SpecFixtures.problems(
      "{\n  \"name\": \"j\",\n  \"domains\": [\"a\"],\n  \"sampler\": \"grid\",\n  \"space\": {\"r\": {\"values\": [1, 1]}},\n  \"command\": [\"run\"]\n}",
      file: "s.json")
    #expect(problems.map(\.path) == ["space.r.values[1]"])
    #expect(problems[0].position == SourcePosition(line: 5, column: 33))
  }

  @Test func aYamlBillionLaughsIsRefused() {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in 1...8 {
      let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
      text += "a\(level): &a\(level) [\(refs)]\n"
    }
    let problems = SpecFixtures.problems(text)
    #expect(problems.count == 1)
    #expect(problems.first?.message.contains("expands to more than") == true, "\(problems)")
  }

  @Test func numbersYamlWouldTreatAsStringsAreNumbers() throws {
    let spec = try SpecFixtures.spec(sampler: "random", trials: 2, space: "  wd: {log_uniform: [1e-6, 5e-4]}")
    #expect(spec.space[0].kind == .logUniform(lower: 1e-6, upper: 5e-4, gridPoints: nil))
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = range(of: target) else { return self }
    return replacingCharacters(in: range, with: replacement)
  }

  @Test func aTrialPriceIsReadPerTrialOrPerTokenAndTheDurationDefaults() throws {
    let perTrial = try SpecFixtures.decode(SpecFixtures.valid + "\nestimate: {cost_usd_per_trial: 2.40}\n")
    #expect(perTrial.trialPrice == .perTrial(MicroDollars(2_400_000)))
    #expect(perTrial.estimatedTrialDuration == .seconds(SweepSpec.defaultMinutesPerTrial * 60))
    let perToken = try SpecFixtures.decode(
      SpecFixtures.valid + "\nestimate: {minutes_per_trial: 40, usd_per_1k_tokens: 0.008, tokens_per_trial: 300000}\n")
    // 300 × $0.008 = $2.40 per trial.
    #expect(perToken.trialPrice?.perTrialAmount == MicroDollars(2_400_000))
    #expect(perToken.estimatedTrialDuration == .seconds(2400))
    #expect(try SpecFixtures.decode(SpecFixtures.valid).trialPrice == nil)
  }
}
