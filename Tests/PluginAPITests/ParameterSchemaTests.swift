import XCTest
import PluginAPI

final class ParameterSchemaTests: XCTestCase {
    let schema = ParameterSchema([
        ParameterSpec("m", .int(.closed(1...64)), default: .int(16), help: "prompt length"),
        ParameterSpec("lr-scale", .double(.greaterThan(0)), default: .double(1), help: "learning-rate factor"),
        ParameterSpec("linkage", .choice(["single", "complete", "average", "ward"]), default: .string("average"), help: "clustering"),
        ParameterSpec("G", .autoOrInt(.atLeast(1)), default: .string("auto"), help: "stages"),
        ParameterSpec("verbose", .bool, default: .bool(false), help: "print more"),
        ParameterSpec("layers", .intList(.atLeast(0)), default: .list([]), help: "layers"),
        ParameterSpec("tag", .string, default: nil, help: "run tag"),
    ])

    private func parse(_ given: [(String, ParameterValue)]) throws -> ParsedParameters {
        try schema.parse(given.map { (name: $0.0, value: $0.1) }, method: "dham")
    }

    private func message(_ given: [(String, ParameterValue)]) -> String {
        do {
            _ = try parse(given)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testDefaultsAreFilledAndValuesCanonicalised() throws {
        let p = try parse([("tag", .string("a")), ("lr-scale", .int(2)), ("verbose", .string("yes")), ("G", .int(3))])
        XCTAssertEqual(try p.int("m"), 16)
        XCTAssertEqual(p.values["lr-scale"], .double(2))           // an Int given for a Double
        XCTAssertEqual(try p.bool("verbose"), true)
        XCTAssertEqual(try p.autoOrInt("G"), 3)
        XCTAssertEqual(try p.string("linkage"), "average")
        XCTAssertEqual(try p.intList("layers"), [])
        XCTAssertEqual(p.explicit, ["tag", "lr-scale", "verbose", "G"])
        XCTAssertNil(try parse([("tag", .string("a"))]).autoOrInt("G"))
    }

    func testOutOfRangeNamesParameterValueAndRange() {
        let text = message([("tag", .string("a")), ("m", .int(100))])
        XCTAssertEqual(text, "dham m=100 is out of range: m must be in [1, 64]")
        XCTAssertTrue(message([("tag", .string("a")), ("lr-scale", .double(0))]).contains("lr-scale must be > 0"))
        XCTAssertTrue(message([("tag", .string("a")), ("G", .int(0))]).contains("auto or ≥ 1"))
        XCTAssertTrue(message([("tag", .string("a")), ("layers", .list([.int(2), .int(-1)]))]).contains("layers=-1"))
    }

    func testWrongTypeAndBadChoice() {
        XCTAssertEqual(message([("tag", .string("a")), ("m", .string("many"))]),
                       "dham m=many: expected Int in [1, 64], got String")
        XCTAssertEqual(message([("tag", .string("a")), ("linkage", .string("avrage"))]),
                       "dham linkage=avrage is not one of single, complete, average, ward; did you mean average?")
        XCTAssertTrue(message([("tag", .string("a")), ("G", .string("automatic"))]).contains("expected auto or Int ≥ 1"))
    }

    func testALayersParameterAcceptsAutoForAMethodsOwnDefault() throws {
        let schema = ParameterSchema([ParameterSpec("shallow", .layers, default: .string("auto"), help: "layers")])
        XCTAssertEqual(try schema.parse([], method: "dpc").string("shallow"), "auto")
        XCTAssertEqual(try schema.parse([("shallow", .string("auto"))], method: "dpc").string("shallow"), "auto")
        XCTAssertEqual(try schema.parse([("shallow", .string("0...2"))], method: "dpc").string("shallow"), "0...2")
    }

    func testUnknownNameSuggestsTheNearest() {
        let text = message([("tag", .string("a")), ("lr_scale", .double(2))])
        XCTAssertTrue(text.hasPrefix("dham has no parameter \"lr_scale\"; did you mean \"lr-scale\"?"), text)
        XCTAssertFalse(message([("zzzzzz", .int(1))]).contains("did you mean"))
    }

    func testMissingAndDuplicate() {
        XCTAssertTrue(message([]).contains("dham needs tag=…"))
        XCTAssertEqual(message([("tag", .string("a")), ("m", .int(2)), ("m", .int(3))]), "dham m is given twice; give it once")
    }

    func testAccessorsThrowInsteadOfCrashing() throws {
        let p = try parse([("tag", .string("a"))])
        XCTAssertThrowsError(try p.int("nope"))
        XCTAssertThrowsError(try p.string("m"))
    }

    func testHelpLinesAlignNameKindAndHelp() {
        let lines = schema.helpLines()
        XCTAssertEqual(lines.count, 7)
        XCTAssertTrue(lines[0].hasPrefix("  m=16 "))
        XCTAssertTrue(lines[0].contains("Int in [1, 64]"))
        XCTAssertTrue(lines[2].contains("single | complete | average | ward"))
        XCTAssertTrue(lines[6].contains("tag=…"))
        let columns = zip(lines, schema.parameters).map { line, spec in
            line.range(of: spec.help, options: .backwards).map { line.distance(from: line.startIndex, to: $0.lowerBound) } ?? -1
        }
        XCTAssertEqual(Set(columns).count, 1, "help texts start in one column: \(columns)")
    }

    func testClosestNameAllowsAThirdOfTheWordInEdits() {
        XCTAssertEqual(closestName(to: "sitting", among: ["kitten", "fitting"]), "fitting")
        XCTAssertEqual(closestName(to: "promt", among: ["dham", "prompt"]), "prompt")
        XCTAssertNil(closestName(to: "lora", among: ["dham", "prompt"]))
    }
}
