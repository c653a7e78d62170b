import Compute
import Foundation

/// Replays notebooks: runs each cell in one fresh session per notebook and compares what it
/// prints with the recording (text exactly, numbers within the notebook's tolerance), or
/// rewrites the recording (`--record`).
public struct NotebookReplayer {
    public struct Outcome {
        public let path: String
        public let cells: Int
        /// Cells whose output differs, with their diffs.
        public let mismatches: [(line: Int, diff: String)]
        public var passed: Bool { mismatches.isEmpty }
    }

    public init() {}

    /// The notebooks at `path`: the file itself, or every `*.strata` in the folder, sorted.
    public static func notebooks(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NotebookError("replay: no notebook or folder at \(path)")
        }
        guard isDirectory.boolValue else { return [path] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".strata") }.sorted()
        guard !names.isEmpty else { throw NotebookError("replay: \(path) holds no *.strata notebooks") }
        return names.map { (path as NSString).appendingPathComponent($0) }
    }

    /// Runs the notebook at `path`; with `record`, writes the new outputs into it.
    public func replay(_ path: String, record: Bool) throws -> Outcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NotebookError("replay: cannot read \(path)")
        }
        var notebook = try Notebook.parse(String(decoding: data, as: UTF8.self), name: path)
        var captured = ""
        let session = Session(write: { captured += $0 })
        let interpreter = Interpreter(runner: session) { captured += $0 + "\n" }
        var mismatches: [(line: Int, diff: String)] = []
        // Line of the current cell in the file as it will read: when recording, earlier cells'
        // new outputs move it, and error messages must quote the final line numbers.
        var fileLine = 1
        for index in notebook.cells.indices {
            let cell = notebook.cells[index]
            captured = ""
            // Leading newlines keep error line numbers those of the file.
            let source = String(repeating: "\n", count: (record ? fileLine : cell.line) - 1) + cell.source.joined(separator: "\n")
            if session.quitRequested { break }
            do {
                try interpreter.run(source, fileName: (path as NSString).lastPathComponent)
            } catch {
                captured += "\(error)\n"
            }
            var lines = captured.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            fileLine += cell.source.count + (record ? lines.count : cell.output.count)
            if record {
                notebook.cells[index].output = lines
            } else if !OutputComparison.outputsMatch(cell.output, lines, tolerance: notebook.tolerance,
                                                     absoluteTolerance: notebook.absoluteTolerance) {
                mismatches.append((cell.line, OutputComparison.diff(cell.output, lines, tolerance: notebook.tolerance,
                                                                    absoluteTolerance: notebook.absoluteTolerance)))
            }
        }
        if record {
            try notebook.render().write(toFile: path, atomically: true, encoding: .utf8)
        }
        return Outcome(path: path, cells: notebook.cells.count, mismatches: mismatches)
    }
}
