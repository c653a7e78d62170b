import ArgumentParser
import Compute
import Foundation

/// Prefill and decode speed of a model: prefill tokens/s on a fixed-length prompt,
/// single-stream greedy decode tokens/s, batch-N decode throughput, and peak RSS.
/// Prints one JSON object (the peers in bench/peers print the same keys).
struct GenerationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generation",
        abstract: "Prefill and decode tokens/s of a model (JSON).")

    @Option(help: "Model name or path.") var model = "smollm2"
    @Option(help: "Threads for OpenBLAS and the core.") var threads = 2
    @Option(name: .customLong("prompt-tokens"), help: "Prefill prompt length.") var promptTokens = 256
    @Option(name: .customLong("decode-tokens"), help: "Tokens generated per decode measurement.") var decodeTokens = 64
    @Option(help: "Sequences in the batched decode measurement.") var batch = 16
    @Option(help: "Timed repetitions (the median is reported).") var repeats = 3
    @Option(help: "The text prompts are cut from, repeated while too short (the peers read the same file).")
    var text = "bench/prompt.txt"

    /// Tokens in each prompt of the batched measurement (the peers' --batch-prompt-tokens).
    static let batchPromptTokens = 32

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        guard promptTokens >= 1, decodeTokens >= 1, batch >= 1, repeats >= 1 else {
            throw ValidationError("--prompt-tokens, --decode-tokens, --batch and --repeats must each be at least 1")
        }
    }

    func run() throws {
        try Threads.set(threads)
        let lm = try LanguageModel.load(model)
        guard let source = try? String(contentsOfFile: text, encoding: .utf8) else {
            throw ValidationError("cannot read the prompt text \(text); run from the repository root or pass --text")
        }
        // The space after the text keeps a repetition's first word a word of its own (as in
        // bench/peers/peer_common.py). The ids cover the prompt and the batch's staggered windows.
        let pieceIDs = lm.tokenizer.encode(source.trimmingCharacters(in: .whitespacesAndNewlines) + " ", addSpecial: false)
        guard pieceIDs.count > 1 else {
            throw ValidationError("the prompt text \(text) is empty; it needs some text to repeat")
        }
        var stream: [Int] = []
        while stream.count < max(promptTokens, Self.batchPromptTokens + batch) { stream += pieceIDs }
        let ids = Array(stream.prefix(promptTokens))

        let prefill = try Timing.median(warmup: 1, repeats: repeats) {
            _ = try Autograd.noGrad { try lm.model.forward([ids], logits: .last) }
        }
        let generator = Generator(model: lm.model)
        let options = try GenerationOptions(maxNewTokens: decodeTokens)
        // Single-stream decode continues the 256-token prompt (as the peers do); its prefill,
        // measured above, is subtracted.
        let single = try Timing.median(warmup: 1, repeats: repeats) {
            _ = try generator.generate([ids], options: options)
        }
        // Batched decode: `batch` prompts of 32 tokens each (the peers' --batch-prompt-tokens).
        let window = Self.batchPromptTokens
        let prompts = (0..<batch).map { i in Array(stream[i..<(i + window)]) }
        let batchPrefill = try Timing.median(warmup: 0, repeats: repeats) {
            _ = try Autograd.noGrad { try lm.model.forward(prompts, logits: .last) }
        }
        let batched = try Timing.median(warmup: 0, repeats: repeats) {
            _ = try generator.generate(prompts, options: options)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let result: [String: Any] = [
            "engine": "strata", "model": lm.name, "threads": threads,
            "prefill_tokens": promptTokens,
            "prefill_tokens_per_s": Double(promptTokens) / prefill,
            "decode_tokens_per_s": Double(decodeTokens - 1) / max(single - prefill, 1e-9),
            "batch": batch,
            "batch_decode_tokens_per_s": Double(batch * (decodeTokens - 1)) / max(batched - batchPrefill, 1e-9),
            "peak_rss_mb": Double(usage.ru_maxrss) / 1024,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
