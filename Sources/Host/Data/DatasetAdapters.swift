import Foundation
import Compute

/// Turns one record of a dataset file into an `Example`.
///
/// Adapters throw `RecordProblem` with what is wrong; the catalog adds the file and line.
public protocol DatasetAdapter {
    func example(from record: JSONValue, id: String) throws -> Example
}

/// A record that does not have the shape its dataset promises.
public struct RecordProblem: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The string field `key` of an object record.
func stringField(_ record: JSONValue, _ key: String) throws -> String {
    guard record.objectValue != nil else {
        throw RecordProblem("expected a JSON object, found \(record.typeName)")
    }
    guard let field = record[key] else { throw RecordProblem("the record has no \"\(key)\" field") }
    guard let text = field.stringValue else {
        throw RecordProblem("field \"\(key)\" must be a string, found \(field.typeName)")
    }
    return text
}

/// GSM8K: question → worked answer; gold = the number after the last `####`, commas removed
/// (`#### 1,250` → `1250`). The target keeps upstream's text, calculator annotations included.
public struct GSM8KAdapter: DatasetAdapter {
    public init() {}

    public func example(from record: JSONValue, id: String) throws -> Example {
        let question = try stringField(record, "question")
        let answer = try stringField(record, "answer")
        guard let gold = GSM8KAdapter.finalAnswer(in: answer) else {
            throw RecordProblem("the answer has no final '#### <number>' line")
        }
        return Example(id: id, prompt: question, target: answer, answer: gold)
    }

    /// The text after the last `####`, trimmed and without thousands separators; nil when absent or empty.
    public static func finalAnswer(in solution: String) -> String? {
        guard let marker = solution.range(of: "####", options: .backwards) else { return nil }
        let value = solution[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: ",", with: "")
        return value.isEmpty ? nil : value
    }
}

/// AQuA-RAT: question and its lettered options → rationale then `The answer is X.`; gold = X.
public struct AQuAAdapter: DatasetAdapter {
    public init() {}

    public func example(from record: JSONValue, id: String) throws -> Example {
        let question = try stringField(record, "question")
        let rationale = try stringField(record, "rationale")
        let letter = try stringField(record, "correct").trimmingCharacters(in: .whitespaces)
        guard let options = record["options"]?.arrayValue, !options.isEmpty else {
            throw RecordProblem("field \"options\" must be a non-empty array of strings")
        }
        let texts = try options.map { option -> String in
            guard let text = option.stringValue else { throw RecordProblem("every option must be a string, found \(option.typeName)") }
            return text
        }
        let letters = texts.indices.map { String(UnicodeScalar(UInt8(ascii: "A") + UInt8(min($0, 25)))) }
        guard letters.contains(letter) else {
            throw RecordProblem("\"correct\" is '\(letter)'; it must be one of the option letters \(letters.joined(separator: ", "))")
        }
        let prompt = question + "\nAnswer choices: " + texts.joined(separator: " ")
        let target = rationale.trimmingCharacters(in: .whitespacesAndNewlines) + "\nThe answer is \(letter)."
        // The options, one per line, let evaluation count an answer written as an option's text.
        return Example(id: id, prompt: prompt, target: target, answer: letter,
                       metadata: ["options": texts.joined(separator: "\n")])
    }
}

/// MATH-500: problem → solution (its answer in `\boxed{}`); gold = the `answer` field; id =
/// the record's `unique_id` (its path in the MATH test set); subject and level kept.
public struct MATH500Adapter: DatasetAdapter {
    public init() {}

    public func example(from record: JSONValue, id: String) throws -> Example {
        let problem = try stringField(record, "problem")
        let solution = try stringField(record, "solution")
        let answer = try stringField(record, "answer")
        var metadata: [String: String] = [:]
        if let subject = record["subject"]?.stringValue { metadata["subject"] = subject }
        if let level = record["level"]?.intValue { metadata["level"] = String(level) }
        let uniqueID = record["unique_id"]?.stringValue ?? id
        return Example(id: uniqueID, prompt: problem, target: solution, answer: answer, metadata: metadata)
    }
}

/// Anthropic HH-RLHF: `chosen` and `rejected` are whole dialogues that differ only in the last
/// Assistant reply. The prompt is their shared prefix up to and including the last
/// `\n\nAssistant:` both contain; `target` (chosen) and `rejected` are the rest of each, so
/// `prompt + target == chosen` and `prompt + rejected == rejected` exactly.
public struct HHRLHFAdapter: DatasetAdapter {
    public static let assistantMarker = "\n\nAssistant:"

    public init() {}

    public func example(from record: JSONValue, id: String) throws -> Example {
        let chosen = try stringField(record, "chosen")
        let rejected = try stringField(record, "rejected")
        // Compare on UTF-8 bytes: the common prefix may end inside a multi-byte character.
        let a = Array(chosen.utf8), b = Array(rejected.utf8)
        var common = 0
        while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
        let marker = Array(HHRLHFAdapter.assistantMarker.utf8)
        // A handful of records repeat "\n\nAssistant:" inside the final reply, so search the
        // shared prefix, not each dialogue, for the last marker.
        guard let start = HHRLHFAdapter.lastOccurrence(of: marker, in: a[..<common]) else {
            throw RecordProblem("\"chosen\" and \"rejected\" share no dialogue ending in '\\n\\nAssistant:'")
        }
        let split = start + marker.count
        return Example(id: id,
                       prompt: String(decoding: a[..<split], as: UTF8.self),
                       target: String(decoding: a[split...], as: UTF8.self),
                       rejected: String(decoding: b[split...], as: UTF8.self))
    }

    private static func lastOccurrence(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.endIndex - needle.count
        while start >= haystack.startIndex {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
            start -= 1
        }
        return nil
    }
}
