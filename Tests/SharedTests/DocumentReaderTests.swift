import PropertyBased
import Shared
import SpecReading
import Testing

@Suite struct DocumentReaderTests {
  @Test func jsonKeepsPositionsAndText() throws {
    let node = try JSONDocumentReader.parse("{\n  \"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\"],\n  \"b\": null\n}")
    guard case .mapping(let entries, _) = node, case .sequence(let items, _) = entries[0].value else {
      Issue.record("shape")
      return
    }
    #expect(entries[0].key.position == SourcePosition(line: 2, column: 3))
    #expect(
      items.map(\.position) == [
        SourcePosition(line: 2, column: 9), SourcePosition(line: 2, column: 12), SourcePosition(line: 2, column: 20),
      ])
    guard case .scalar(let text) = items[2], case .scalar(let number) = items[1] else { return }
    #expect(text.text == "xé😀" && text.quoted)
    #expect(number.text == "-2.5e3" && !number.quoted)
  }

  @Test func noInputMakesTheReadersCrash() async {
    let alphabet = Array("{}[]\":,-0123456789eE.tfnul \n\t\\abc&*!|>#'")
    await propertyCheck(count: 2000, input: Gen.int(in: 0..<alphabet.count).array(of: 0...80)) { picks in
      let text = String(picks.map { alphabet[$0] })
      _ = try? JSONDocumentReader.parse(text)
      _ = try? YAMLDocumentReader.parse(text)
      _ = try? SpecDecoder.decode(text, file: "fuzz.yaml")
      _ = try? SpecDecoder.decode(text, file: "fuzz.json")
    }
  }

  @Test func mutatedValidSpecsNeverCrash() async {
    let base = Array(SpecFixtures.valid.unicodeScalars)
    await propertyCheck(count: 500, input: Gen.int(in: 0..<base.count), Gen.int(in: 0...127), Gen.int(in: 0...3)) {
      at, byte, mode in
      var scalars = base
      switch mode {
      case 0: scalars[at] = Unicode.Scalar(UInt8(byte))
      case 1: scalars.remove(at: at)
      case 2: scalars.insert(Unicode.Scalar(UInt8(byte)), at: at)
      default: scalars = Array(scalars[..<at])
      }
      var text = ""
      text.unicodeScalars.append(contentsOf: scalars)
      _ = try? SpecDecoder.decode(text, file: "m.yaml")
    }
  }

  @Test func commandTemplatesParseBracesAndPlaceholders() throws {
    #expect(try CommandTemplate.parseArgument("--rank={rank}") == [.literal("--rank="), .placeholder("rank")])
    #expect(try CommandTemplate.parseArgument("{{literal}}") == [.literal("{literal}")])
    #expect(try CommandTemplate.parseArgument("") == [.literal("")])
    #expect(throws: CommandTemplate.ParseError.unclosedPlaceholder(column: 3)) {
      try CommandTemplate.parseArgument("ab{rank")
    }
    #expect(throws: CommandTemplate.ParseError.strayClosingBrace(column: 2)) {
      try CommandTemplate.parseArgument("a}b")
    }
    #expect(throws: CommandTemplate.ParseError.emptyPlaceholder(column: 1)) { try CommandTemplate.parseArgument("{}") }
    let template = CommandTemplate(arguments: [try CommandTemplate.parseArgument("x{a}y{b}")])
    #expect(template.render(["a": "1", "b": "2"]) == ["x1y2"])
  }

  @Test(arguments: [
    ("90s", 90), ("25m", 1500), ("2h", 7200), ("1h30m", 5400), ("1.5h", 5400), ("45", 45), ("1d", 86400),
  ])
  func durationsReadTheWayPeopleWriteThem(text: String, seconds: Int64) {
    #expect(DurationText.parse(text) == .seconds(seconds))
  }

  @Test func durationsRejectGarbage() {
    for text in ["", "h", "5x", "-3s", "1e400", "nan", "3s4"] { #expect(DurationText.parse(text) == nil, "\(text)") }
    #expect(DurationText.format(.seconds(5400)) == "1h30m")
    #expect(DurationText.format(.milliseconds(250)) == "250ms")
  }
}
