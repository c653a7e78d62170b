import ArgumentParser
import Compute
import Foundation

/// `strata [FILE] [-e COMMANDS] [--json] [--load MODEL]`: runs a script, runs commands, or —
/// with neither — opens the interactive REPL. Exits non-zero when a script or `-e` fails.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a script, run commands (-e), or open the REPL (the default).")

    @Argument(help: "A script of REPL statements to run (e.g. notebooks/quickstart.strata).")
    var file: String?

    @Option(name: .customShort("e"), help: "Statements to run, separated by ';' or newlines.")
    var commands: String?

    @Flag(help: "Print every command result as one JSON object.")
    var json = false

    @Option(help: "A model to load before anything else (e.g. smollm2).")
    var load: String?

    @Option(help: "Threads for OpenBLAS and the core's parallel loops.")
    var threads: Int = 2

    func run() throws {
        try Threads.set(threads)
        let session = Session(jsonOutput: json)
        let interpreter = Interpreter(runner: session) { session.output($0) }
        if let load {
            try report { try interpreter.run("load \(load.debugDescription)", fileName: "--load") }
        }
        if let commands {
            try report { try interpreter.run(commands, fileName: "-e") }
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read the script \(file)")
            }
            try report { try interpreter.run(String(decoding: data, as: UTF8.self), fileName: file) }
        }
        if file == nil && commands == nil {
            interpreter.echoesExpressionValues = true
            InteractiveREPL(session: session, interpreter: interpreter).run()
        }
    }

    /// Prints a script error to stderr and fails the process (scripts and -e stop at the first error).
    private func report(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
