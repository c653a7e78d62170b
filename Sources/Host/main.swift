import ArgumentParser

/// The `strata` command line. With no subcommand it runs `run`: a script, `-e` commands, or
/// the interactive REPL.
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Layer-aware parameter-efficient tuning of Llama-family models.",
        subcommands: [RunCommand.self, ReplayCommand.self, TokenizeCommand.self, LogitsCommand.self, GenerateCommand.self],
        defaultSubcommand: RunCommand.self)
}

Strata.main()
