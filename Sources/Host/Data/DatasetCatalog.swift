import Compute
import Foundation

/// One dataset the project knows: its folder under `data/`, its split files and the adapter
/// that reads its records.
public struct DatasetSpecification {
    /// A split and its file; `missingNote` explains a file the project does not ship.
    public struct SplitFile {
        public let split: String
        public let file: String
        public let missingNote: String?
    }

    public let name: String
    public let aliases: [String]
    public let folder: String
    public let summary: String
    public let splits: [SplitFile]
    public let adapter: DatasetAdapter
    /// The shipped split that `data NAME` (no `split=`) divides into training and held-out
    /// examples when the train split is not shipped (HH-RLHF: its test split); nil to refuse.
    public var trainingFallback: String? = nil

    public var splitNames: [String] { splits.map(\.split) }
    /// The name in prose: the summary up to its colon ("Anthropic HH-RLHF helpful-base").
    public var summaryName: String { String(summary.prefix { $0 != ":" }) }
}

/// The datasets under a data folder, loaded by name and split (`data NAME split=…`).
public struct DatasetCatalog {
    public let root: String

    public init(root: String) { self.root = root }

    /// The catalog over the folder `DataDirectory.locate()` finds.
    public static func located() throws -> DatasetCatalog {
        DatasetCatalog(root: try DataDirectory.locate())
    }

    public static let specifications: [DatasetSpecification] = [
        DatasetSpecification(
            name: "gsm8k", aliases: [], folder: "gsm8k",
            summary: "GSM8K grade-school maths: question → worked answer ending '#### n'",
            splits: [.init(split: "train", file: "train.jsonl", missingNote: nil),
                     .init(split: "test", file: "test.jsonl", missingNote: nil)],
            adapter: GSM8KAdapter()),
        DatasetSpecification(
            name: "aqua", aliases: ["aqua-rat"], folder: "aqua",
            summary: "AQuA-RAT algebra: question + options A–E → rationale and letter",
            splits: [.init(split: "test", file: "test.json", missingNote: nil),
                     .init(split: "dev", file: "dev.json", missingNote: nil),
                     .init(split: "train", file: "train.json",
                           missingNote: "AQuA train (about 47.6 MB) is not shipped; see data/aqua/README.md")],
            adapter: AQuAAdapter()),
        DatasetSpecification(
            name: "math500", aliases: ["math-500", "math"], folder: "math500",
            summary: "MATH-500 competition maths: problem → solution with \\boxed{answer}",
            splits: [.init(split: "test", file: "test.jsonl", missingNote: nil)],
            adapter: MATH500Adapter()),
        DatasetSpecification(
            name: "hh-rlhf", aliases: ["hh"], folder: "hh-rlhf",
            summary: "Anthropic HH-RLHF helpful-base: dialogue → chosen / rejected reply (preference pairs)",
            splits: [.init(split: "test", file: "helpful-base/test.jsonl.gz", missingNote: nil),
                     .init(split: "train", file: "helpful-base/train.jsonl.gz",
                           missingNote: "HH-RLHF helpful-base train is not shipped; data/hh-rlhf/README.md says how to add it")],
            adapter: HHRLHFAdapter(), trainingFallback: "test"),
    ]

    /// Dataset names, for help and tab completion.
    public static var names: [String] { specifications.map(\.name) }

    /// The specification of `name` or one of its aliases (any case).
    public static func specification(named name: String) throws -> DatasetSpecification {
        let key = name.lowercased()
        guard let spec = specifications.first(where: { $0.name == key || $0.aliases.contains(key) }) else {
            throw DatasetError.unknownDataset(name, known: names)
        }
        return spec
    }

    /// Every example of `split`, in file order.
    public func load(_ name: String, split: String) throws -> Dataset {
        let spec = try DatasetCatalog.specification(named: name)
        let key = split.lowercased()
        guard let splitFile = spec.splits.first(where: { $0.split == key }) else {
            throw DatasetError.unknownSplit(dataset: spec.name, split: split, available: spec.splitNames)
        }
        let path = try existingFile(root + "/" + spec.folder + "/" + splitFile.file, note: splitFile.missingNote)
        var examples: [Example] = []
        for (index, record) in try JSONLinesFile.read(path).enumerated() {
            do {
                examples.append(try spec.adapter.example(from: record.value, id: "\(spec.name)/\(key)/\(index)"))
            } catch let problem as RecordProblem {
                throw DatasetError.malformed(file: path, line: record.line, reason: problem.description)
            }
        }
        guard !examples.isEmpty else {
            throw DatasetError.malformed(file: path, line: 1, reason: "the file holds no records")
        }
        return Dataset(name: spec.name, split: key, examples: examples)
    }

    /// Whether the file of `split` is present (or its decompressed twin).
    public func hasSplit(_ name: String, split: String) -> Bool {
        guard let spec = try? DatasetCatalog.specification(named: name),
              let file = spec.splits.first(where: { $0.split == split.lowercased() }) else { return false }
        return (try? existingFile(root + "/" + spec.folder + "/" + file.file, note: nil)) != nil
    }

    /// `data NAME split=S limit=N seed=K`: a seeded shuffle of the split, then its first `limit`.
    public func load(_ name: String, split: String, limit: Int?, seed: UInt64) throws -> Dataset {
        try load(name, split: split).sample(limit: limit, seed: seed)
    }

    /// `path`, or a decompressed twin of a `.gz` file when one sits beside it (read directly).
    private func existingFile(_ path: String, note: String?) throws -> String {
        let files = FileManager.default
        if path.hasSuffix(".gz") {
            let plain = String(path.dropLast(3))
            if files.fileExists(atPath: plain) { return plain }
        }
        guard files.fileExists(atPath: path) else {
            throw DatasetError.missingFile(path: path, note: note ?? "the data folder \(root) is incomplete; restore it from the repository")
        }
        return path
    }
}
