import ArgumentParser
import Compute
import Foundation

/// `strata replay [--record] PATH…`: re-runs notebooks and compares their output with the
/// recording; a mismatch prints a diff and fails the command.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay notebooks and compare with their recorded output.")

    @Argument(help: "Notebook files or folders of *.strata notebooks.")
    var paths: [String] = ["notebooks"]

    @Flag(help: "Rewrite the recorded output instead of comparing.")
    var record = false

    @Option(help: "Threads (fixed, so that reductions run in the same order as when recorded).")
    var threads: Int = 2

    func run() throws {
        try Threads.set(threads)
        let replayer = NotebookReplayer()
        var failed = 0, passed = 0
        for path in paths {
            for notebook in try NotebookReplayer.notebooks(at: path) {
                let started = Date()
                let outcome = try replayer.replay(notebook, record: record)
                let seconds = String(format: "%.1fs", Date().timeIntervalSince(started))
                if record {
                    print("recorded \(notebook) (\(outcome.cells) cells, \(seconds))")
                } else if outcome.passed {
                    passed += 1
                    print("ok    \(notebook) (\(outcome.cells) cells, \(seconds))")
                } else {
                    failed += 1
                    print("FAIL  \(notebook)")
                    for mismatch in outcome.mismatches {
                        print("  cell at line \(mismatch.line):")
                        print(mismatch.diff.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
                    }
                }
            }
        }
        if !record {
            print("notebooks: \(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
