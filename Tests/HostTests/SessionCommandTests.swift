import Compute
import Host
import XCTest

/// The built-in commands on `tiny`, driven through `Session.run` as the interpreter does.
final class SessionCommandTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })

    private func run(_ name: String, _ positional: [Value] = [], _ named: [(String, Value)] = [], flags: [String] = []) throws -> Value {
        try session.run(CommandInvocation(name: name, positional: positional, named: named, flags: flags))
    }

    func testCommandsNeedALoadedModel() {
        XCTAssertThrowsError(try run("tokenize", [.string("hi")])) { error in
            XCTAssertTrue("\(error)".contains("load smollm2"), "\(error)")
        }
    }

    func testLoadThenTokenizePrintsIDsAndTokensAsJSON() throws {
        _ = try run("load", [.string("tiny")])
        XCTAssertTrue(written.contains("loaded tiny (4 layers"), written)
        written = ""
        let result = try run("tokenize", [.string("Hi!")], flags: ["json"])
        XCTAssertEqual(written, "{\"ids\":[72,105,33],\"tokens\":[\"H\",\"i\",\"!\"]}\n")
        guard case let .record(r) = result else { return XCTFail("tokenize returns a record") }
        XCTAssertEqual(r["ids"], .array([.int(72), .int(105), .int(33)]))
    }

    func testGenerateIsDeterministicAndReturnsIDsAndText() throws {
        _ = try run("load", [.string("tiny")])
        let a = try run("generate", [.string("Hello")], [("max", .int(6))], flags: ["json"])
        let b = try run("generate", [.string("Hello")], [("max", .int(6))], flags: ["json"])
        XCTAssertEqual(a, b)
        guard case let .record(r) = a, case let .array(ids)? = r["ids"] else { return XCTFail("generate returns ids") }
        XCTAssertEqual(ids.count, 6)
    }

    func testLogitsTopKAreSortedDescending() throws {
        _ = try run("load", [.string("tiny")])
        guard case let .record(r) = try run("logits", [.string("abc")], [("top", .int(5))]),
              case let .array(top)? = r["top"] else { return XCTFail("logits returns top") }
        let values = top.compactMap { entry -> Double? in
            if case let .array(pair) = entry, case let .double(v) = pair[1] { return v }
            return nil
        }
        XCTAssertEqual(values.count, 5)
        XCTAssertEqual(values, values.sorted(by: >))
        XCTAssertEqual(r["n_tokens"], .int(3))
    }

    func testUnknownCommandsAndArgumentsSuggestTheNearest() throws {
        XCTAssertThrowsError(try run("genrate")) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'generate'"), "\(error)")
        }
        _ = try run("load", [.string("tiny")])
        XCTAssertThrowsError(try run("logits", [.string("x")], [("tpo", .int(3))])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'top'"), "\(error)")
        }
        XCTAssertThrowsError(try run("logits", [.string("x")], [("top", .string("many"))])) { error in
            XCTAssertTrue("\(error)".contains("top must be an integer"), "\(error)")
        }
    }

    func testUnknownModelSaysWhereItLooked() {
        XCTAssertThrowsError(try run("load", [.string("no-such-model")])) { error in
            XCTAssertTrue("\(error)".contains("not found; looked in"), "\(error)")
        }
    }

    func testSeedAndQuit() throws {
        _ = try run("seed", [.int(7)])
        XCTAssertEqual(session.seed, 7)
        XCTAssertThrowsError(try run("seed", [.int(-1)]))
        _ = try run("quit")
        XCTAssertTrue(session.quitRequested)
    }
}

final class DataCommandTests: XCTestCase {
    func testDataChoosesASeededLimitedSliceWithValidation() throws {
        let session = Session(write: { _ in })
        let invocation = CommandInvocation(name: "data", positional: [.string("gsm8k")],
                                           named: [("limit", .int(8)), ("validation", .int(4)), ("seed", .int(3))])
        _ = try session.run(invocation)
        XCTAssertEqual(session.trainingData?.count, 8)
        XCTAssertEqual(session.validationData?.count, 4)
        let first = session.trainingData?.examples.map(\.id)
        _ = try session.run(invocation)
        XCTAssertEqual(session.trainingData?.examples.map(\.id), first, "same seed, same slice")
        XCTAssertThrowsError(try session.run(CommandInvocation(name: "data", positional: [.string("gsm9k")]))) { error in
            XCTAssertTrue("\(error)".contains("gsm8k"), "\(error)")
        }
    }
}
