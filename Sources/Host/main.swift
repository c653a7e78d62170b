import ArgumentParser

/// The `strata` command line: model subcommands now; the REPL (the default when no
/// subcommand is given) joins them as the plugin system lands.
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Layer-aware parameter-efficient tuning of Llama-family models.",
        subcommands: [TokenizeCommand.self, LogitsCommand.self, GenerateCommand.self])
}

Strata.main()
