import ArgumentParser
import Compute

/// The `strata` command line. The REPL and its subcommands are added by later work; until then
/// it reports the build and the thread setting so that setup can be checked end to end.
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Layer-aware parameter-efficient tuning of Llama-family models.")

    @Option(name: .long, help: "Threads for OpenBLAS and the core's parallel loops.")
    var threads: Int = 2

    func run() throws {
        try Threads.set(threads)
        print("strata: compute core ready (threads \(Threads.count))")
    }
}

Strata.main()
