import Foundation
import PropertyBased
import Shared
import Testing

/// The hand-written JSON of the result path says exactly what the Codable encoder would.
@Suite struct WireJSONTests {
  static let awkward = ["plain", "quote\"and\\slash/", "tab\tnew\nline\r", "\u{01}\u{1F}", "é ✓ 🧪", ""]

  @Test func anAckIsWrittenAsTheEncoderWritesIt() throws {
    for (index, text) in Self.awkward.enumerated() {
      for outcome in [ResultAck.Outcome.completed, .recorded, .late] {
        let ack = ResultAck(
          trialId: "t-" + text, attempt: index + 1, outcome: outcome, trialState: text,
          costUsd: DollarAmount(MicroDollars(Int64(index) * 1_234_567)))
        let encoded = String(decoding: try WireCoding.encoder().encode(ack), as: UTF8.self)
        #expect(try WireCoding.decoder().decode(ResultAck.self, from: Data(ack.json.serialized().utf8)) == ack)
        #expect(ack.json.serialized() == encoded)
      }
    }
  }

  @Test func aBatchResponseDecodesToWhatWasWritten() throws {
    let ack = ResultAck(
      trialId: "a", attempt: 2, outcome: .completed, trialState: "succeeded", costUsd: DollarAmount(MicroDollars(42)))
    let response = ResultBatchResponse(results: [
      BatchedResultOutcome(trialId: "a", attempt: 2, ack: ack),
      BatchedResultOutcome(
        trialId: "b\"", attempt: 1, status: 409,
        error: .init(code: "lease_fenced", message: "lease 'x' was superseded", errors: ["one", "two"])),
      BatchedResultOutcome(trialId: "c", attempt: 1, status: 404, error: .init(code: "trial_not_found", message: "no")),
    ])
    let text = response.json.serialized()
    #expect(try WireCoding.decoder().decode(ResultBatchResponse.self, from: Data(text.utf8)) == response)
    #expect(text == String(decoding: try WireCoding.encoder().encode(response), as: UTF8.self))
  }

  @Test func aBatchedResultIsAReportWithItsTrialID() throws {
    let report = ResultReport(
      sweepId: "s", leaseId: "l", fencingToken: 3, attempt: 1, status: .failed, metrics: ["loss": 0.25], exitCode: 2,
      stderrTail: "boom", durationS: 1.5)
    let item = BatchedResult(trialId: "t1", report: report)
    let data = try WireCoding.encoder().encode(item)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["trial_id"] as? String == "t1" && object["lease_id"] as? String == "l")
    #expect(object["report"] == nil)
    #expect(try WireCoding.decoder().decode(BatchedResult.self, from: data) == item)
  }

  @Test func storedStringArraysParseAsFoundationParsesThem() async {
    let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{02}", "é", "✓", "🧪", "[", "]", ","]
    await propertyCheck(count: 300, input: Gen.uint64()) { seed in
      var generator = Xoshiro256StarStar(seed: seed)
      let rows = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
        (0..<Int.random(in: 0...4, using: &generator)).map { _ in
          (0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            .joined()
        }
      }
      let ours = JSONValue.array(rows.map { .array($0.map(JSONValue.string)) }).serialized()
      #expect(StringArrayParser.parse(ours) == rows, "\(ours)")
      let foundation = String(decoding: try! JSONEncoder().encode(rows), as: UTF8.self)
      #expect(StringArrayParser.parse(foundation) == rows, "\(foundation)")
    }
  }

  @Test func malformedStringArraysAreLeftToTheGeneralDecoder() {
    for text in [
      "", "[", "[[\"a\"]", "[[\"a\"]] x", "[[1]]", "[\"a\"]", "[[\"a\",]]", "[[\"\\x\"]]", "[[\"\\ud83e\"]]", "{}",
    ] {
      #expect(StringArrayParser.parse(text) == nil, "\(text)")
    }
    #expect(StringArrayParser.parse(" [ [ \"a\" , \"b\" ] , [ ] ] ") == [["a", "b"], []])
    #expect(StringArrayParser.parse("[]") == [])
  }
}
