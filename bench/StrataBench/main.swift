import ArgumentParser

/// Benchmarks that compare Strata's core against the peer measured in the same run.
/// Not tests: timings are reported as ratios, never asserted.
struct StrataBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-bench",
        abstract: "Benchmarks of the compute core against raw OpenBLAS (ratios from one run).",
        subcommands: [MatmulBenchmark.self, GenerationBenchmark.self],
        defaultSubcommand: MatmulBenchmark.self)
}

StrataBench.main()
