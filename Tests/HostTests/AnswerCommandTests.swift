import Compute
import Host
import XCTest

/// `answer DATASET "generation" gold=… options=…` through a session.
final class AnswerCommandTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })

    private func run(_ positional: [Value], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: "answer", positional: positional, named: named, flags: flags))
    }

    func testJSONWithGold() throws {
        let result = try run([.string("gsm8k"), .string("So $1,250 in total. The answer is 1250.")], [("gold", .string("1250"))], flags: ["json"])
        XCTAssertEqual(written, "{\"correct\":true,\"extracted\":\"1250\"}\n")
        XCTAssertEqual(result, .record(Record([("extracted", .string("1250")), ("correct", .bool(true))])))
    }

    func testJSONWithoutGoldOmitsCorrect() throws {
        _ = try run([.string("math500"), .string("\\boxed{\\frac{1}{2}}")], flags: ["json"])
        XCTAssertEqual(written, "{\"extracted\":\"\\\\frac{1}{2}\"}\n")
    }

    func testNothingFoundIsNull() throws {
        _ = try run([.string("aqua"), .string("no idea")], [("gold", .string("B"))], flags: ["json"])
        XCTAssertEqual(written, "{\"correct\":false,\"extracted\":null}\n")
    }

    func testHumanLine() throws {
        _ = try run([.string("gsm8k"), .string("The answer is 1250")], [("gold", .string("1250"))])
        XCTAssertEqual(written, "extracted 1250 — correct (gold 1250)\n")
        written = ""
        _ = try run([.string("aqua"), .string("The answer is 42")], [("gold", .string("C")), ("options", .string("A)21 B)22 C)42"))])
        XCTAssertEqual(written, "extracted C — correct (gold C)\n")
        written = ""
        _ = try run([.string("gsm8k"), .string("nothing")], [("gold", .string("3"))])
        XCTAssertEqual(written, "no answer found — wrong (gold 3)\n")
    }

    func testBadDatasetNamesItAndListsTheDatasets() {
        XCTAssertThrowsError(try run([.string("gsm9k"), .string("42")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("gsm9k") && text.contains("gsm8k, aqua, math500"), text)
        }
        XCTAssertThrowsError(try run([.string("hh-rlhf"), .string("42")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("hh-rlhf") && text.contains("no final answer"), text)
        }
        XCTAssertThrowsError(try AnswerChecker.extract(dataset: "hh", generation: "x")) { error in
            XCTAssertTrue("\(error)".contains("'hh-rlhf'"), "\(error)")
        }
    }

    func testMissingGenerationAndUnknownArgument() {
        XCTAssertThrowsError(try run([.string("gsm8k")])) { error in
            XCTAssertTrue("\(error)".contains("missing generation text"), "\(error)")
        }
        XCTAssertThrowsError(try run([.string("gsm8k"), .string("4")], [("gld", .string("4"))])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'gold'"), "\(error)")
        }
    }

    func testAQuAExamplesCarryTheirOptions() throws {
        let record = JSONValue.object(["question": .string("Q?"), "rationale": .string("r"), "correct": .string("B"),
                                       "options": .array([.string("A)1"), .string("B)2")])])
        let example = try AQuAAdapter().example(from: record, id: "aqua/test/0")
        XCTAssertEqual(example.metadata["options"], "A)1\nB)2")
        let check = try AnswerChecker.check(dataset: "aqua", generation: "The answer is 2", gold: example.answer ?? "",
                                            options: [example.metadata["options"] ?? ""])
        XCTAssertTrue(check.correct)
    }
}
