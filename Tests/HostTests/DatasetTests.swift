import Compute
import Foundation
import Host
import XCTest

/// The dataset adapters on the shipped files, sampling, and bad input.
final class DatasetTests: XCTestCase {
    func testGSM8KGoldIsTheNumberAfterTheMarks() throws {
        let test = try shippedData.load("gsm8k", split: "test")
        XCTAssertEqual(test.count, 1319)
        let first = test.examples[0]
        XCTAssertTrue(first.prompt.hasPrefix("Janet’s ducks lay 16 eggs per day."), first.prompt)
        XCTAssertTrue(first.target.hasSuffix("#### 18"), first.target)
        XCTAssertEqual(first.answer, "18")
        XCTAssertEqual(first.id, "gsm8k/test/0")
        // Record 146's answer is written "2,125": the gold drops the separator.
        XCTAssertEqual(test.examples[146].answer, "2125")
        XCTAssertEqual(GSM8KAdapter.finalAnswer(in: "a #### b\n#### -3.5 "), "-3.5")
        XCTAssertNil(GSM8KAdapter.finalAnswer(in: "no marker 42"))
        for example in test.examples {
            XCTAssertNotNil(Double(example.answer ?? ""), "\(example.id): \(example.answer ?? "nil")")
        }
        XCTAssertEqual(try shippedData.load("gsm8k", split: "train").count, 7473)
    }

    func testAQuAOptionsInThePromptAndTheLetterAsGold() throws {
        let test = try shippedData.load("aqua", split: "test")
        XCTAssertEqual(test.count, 254)
        let first = test.examples[0]
        XCTAssertEqual(first.answer, "A")
        XCTAssertTrue(first.prompt.contains("Answer choices: A)5(√3 + 1) B)6(√3 + √2)"), first.prompt)
        XCTAssertTrue(first.target.hasSuffix("The answer is A."), first.target)
        let letters = Set(test.examples.compactMap(\.answer))
        XCTAssertEqual(letters, ["A", "B", "C", "D", "E"])
        XCTAssertEqual(try shippedData.load("aqua-rat", split: "dev").count, 254)
    }

    func testMATH500KeepsTheAnswerFieldAndItsIdentity() throws {
        let test = try shippedData.load("math500", split: "test")
        XCTAssertEqual(test.count, 500)
        let first = test.examples[0]
        XCTAssertEqual(first.answer, "\\left( 3, \\frac{\\pi}{2} \\right)")
        XCTAssertEqual(first.id, "test/precalculus/807.json")
        XCTAssertEqual(first.metadata["subject"], "Precalculus")
        XCTAssertEqual(first.metadata["level"], "2")
        XCTAssertTrue(first.target.contains("\\boxed{"), first.target)
    }

    /// Every pair shares its prompt exactly: prompt + reply rebuilds both upstream dialogues,
    /// including the records whose final reply itself contains "\n\nAssistant:".
    func testHHRLHFPairsShareTheDialoguePrefix() throws {
        let test = try shippedData.load("hh-rlhf", split: "test")
        XCTAssertEqual(test.count, 2354)
        let raw = try JSONLinesFile.read(repositoryDataDirectory + "/hh-rlhf/helpful-base/test.jsonl.gz")
        XCTAssertEqual(raw.count, test.count)
        for (example, record) in zip(test.examples, raw) {
            XCTAssertTrue(example.isPreferencePair)
            XCTAssertTrue(example.prompt.hasSuffix("\n\nAssistant:"), example.id)
            XCTAssertEqual(example.prompt + example.target, record.value["chosen"]?.stringValue, example.id)
            XCTAssertEqual(example.prompt + (example.rejected ?? ""), record.value["rejected"]?.stringValue, example.id)
            // Two upstream records have identical chosen and rejected dialogues.
            XCTAssertEqual(example.target == example.rejected, record.value["chosen"] == record.value["rejected"], example.id)
        }
        // Record 168: the rejected reply repeats the marker; the prompt is the one-turn question.
        XCTAssertEqual(test.examples[168].prompt.components(separatedBy: "\n\nAssistant:").count, 2)
    }

    func testSampleIsASeededShuffleThenALimit() throws {
        let train = try shippedData.load("gsm8k", split: "train")
        let a = try train.sample(limit: 50, seed: 7)
        let b = try shippedData.load("gsm8k", split: "train", limit: 50, seed: 7)
        let c = try train.sample(limit: 50, seed: 8)
        let small = try train.sample(limit: 10, seed: 7)
        XCTAssertEqual(a.examples, b.examples)
        XCTAssertNotEqual(a.examples.map(\.id), c.examples.map(\.id))
        XCTAssertEqual(Array(a.examples.prefix(10)), small.examples, "a smaller limit is a prefix")
        XCTAssertNotEqual(a.examples.map(\.id), train.examples.prefix(50).map(\.id), "shuffled, not the file's head")
        XCTAssertEqual(try train.sample(limit: 100_000, seed: 1).count, train.count)
    }

    func testValidationIsDisjointAndIndependentOfTheLimit() throws {
        let train = try shippedData.load("gsm8k", split: "test")
        let (trainA, validationA) = try train.split(validation: 100, limit: 200, seed: 3)
        let (trainB, validationB) = try train.split(validation: 100, limit: 50, seed: 3)
        let (trainC, _) = try train.split(validation: 10, limit: 50, seed: 3)
        XCTAssertEqual(validationA.examples, validationB.examples)
        XCTAssertEqual(trainB.examples, trainC.examples)
        XCTAssertEqual(validationA.count, 100)
        XCTAssertEqual(trainA.count, 200)
        XCTAssertTrue(Set(trainA.examples.map(\.id)).isDisjoint(with: validationA.examples.map(\.id)))
        let (everything, held) = try train.split(validation: 19, limit: nil, seed: 3)
        XCTAssertEqual(everything.count + held.count, train.count)
        XCTAssertThrowsError(try train.split(validation: train.count, limit: nil, seed: 0))
    }

    func testUnknownNamesAndSplitsListTheChoices() {
        XCTAssertEqual(errorText { _ = try shippedData.load("gsm9k", split: "test") },
                       "unknown dataset 'gsm9k'; known datasets: gsm8k, aqua, math500, hh-rlhf")
        XCTAssertEqual(errorText { _ = try shippedData.load("math500", split: "train") },
                       "dataset 'math500' has no split 'train'; use split=test")
        let missing = errorText { _ = try shippedData.load("aqua", split: "train") }
        XCTAssertTrue(missing.contains("aqua/train.json") && missing.contains("not shipped"), missing)
        XCTAssertTrue(errorText { _ = try shippedData.load("gsm8k", split: "test", limit: 0, seed: 0) }.contains("limit is 0"))
    }

    /// A bad record names its file and line; the lines around it are fine.
    func testMalformedRecordsNameFileAndLine() throws {
        let root = try makeTemporaryDirectory("data")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/gsm8k", withIntermediateDirectories: true)
        let good = #"{"question": "1+1?", "answer": "1+1=2\n#### 2"}"#
        let cases: [(String, String)] = [
            (good + "\n{not json\n", "train.jsonl:2: not a JSON record"),
            (good + "\n\n" + #"{"question": "q", "answer": "no marker"}"#, "train.jsonl:3: the answer has no final '#### <number>' line"),
            ("{\"question\": 5, \"answer\": \"#### 1\"}", "train.jsonl:1: field \"question\" must be a string, found integer"),
            (#"["question"]"#, "train.jsonl:1: expected a JSON object, found array"),
            ("\n\n", "train.jsonl:1: the file holds no records"),
        ]
        for (text, expected) in cases {
            try text.write(toFile: root + "/gsm8k/train.jsonl", atomically: true, encoding: .utf8)
            let message = errorText { _ = try DatasetCatalog(root: root).load("gsm8k", split: "train") }
            XCTAssertTrue(message.contains("/gsm8k/" + expected), "\(message) — expected …\(expected)")
        }
        try (good + "\r\n" + good + "\r\n").write(toFile: root + "/gsm8k/train.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try DatasetCatalog(root: root).load("gsm8k", split: "train").count, 2, "CRLF lines")

        try FileManager.default.createDirectory(atPath: root + "/aqua", withIntermediateDirectories: true)
        try #"{"question": "q", "options": ["A)1", "B)2"], "rationale": "r", "correct": "C"}"#
            .write(toFile: root + "/aqua/test.json", atomically: true, encoding: .utf8)
        XCTAssertTrue(errorText { _ = try DatasetCatalog(root: root).load("aqua", split: "test") }
            .hasSuffix("test.json:1: \"correct\" is 'C'; it must be one of the option letters A, B"))
    }

    func testDataDirectoryHonoursAndChecksSTRATA_DATA() throws {
        XCTAssertEqual(try DataDirectory.locate(environment: ["STRATA_DATA": repositoryDataDirectory]), repositoryDataDirectory)
        let message = errorText { _ = try DataDirectory.locate(environment: ["STRATA_DATA": "/nonexistent/strata-data"]) }
        XCTAssertTrue(message.contains("STRATA_DATA names no folder"), message)
    }
}
