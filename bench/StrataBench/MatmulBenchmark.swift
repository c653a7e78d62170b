import ArgumentParser
import COpenBLAS
import Compute
import Foundation

/// `x · Wᵀ` on the model's projection shapes: the core's fp32 `linear` and its quantized
/// `linear` against raw `cblas_sgemm` on the same buffers, and against dequantize-then-sgemm.
struct MatmulBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matmul",
        abstract: "GFLOPS of fp32 and quantized linear vs raw cblas_sgemm on SmolLM2's shapes.")

    @Option(help: "Rows of x (tokens in a batch).") var rows: Int = 1024
    @Option(help: "Threads for OpenBLAS and the core.") var threads: Int = 2
    @Option(help: "Timed repetitions per measurement (the median is reported).") var repeats: Int = 5
    @Option(help: "Quantized types to measure, comma-separated.") var types: String = "q4_1,q4_0,q8_0,f16"
    @Flag(help: "Print one JSON object per shape instead of a table.") var json = false

    /// (out features N, in features K) of SmolLM2-135M's projections and its output layer.
    static let shapes: [(n: Int, k: Int)] = [(576, 576), (1536, 576), (576, 1536), (49152, 576)]

    func run() throws {
        try Threads.set(threads)
        let quantTypes = try types.split(separator: ",").map { name -> QuantType in
            guard let t = QuantType.allCases.first(where: { $0.description.lowercased() == name.lowercased() }) else {
                throw ValidationError("unknown quant type '\(name)'; choose from \(QuantType.allCases.map(\.description).joined(separator: ", "))")
            }
            return t
        }
        if !json {
            print("x[\(rows)×K] · Wᵀ[K×N], \(threads) threads, median of \(repeats); ratios are core time relative to the peer (≥1 means the core is as fast)")
            print("N×K           raw sgemm GFLOPS   core fp32 GFLOPS (ratio)   " + quantTypes.map { "\($0) vs sgemm (vs deq+sgemm)" }.joined(separator: "   "))
        }
        var generator = SeededGenerator(seed: 1)
        // A second of work first: measured cold, the first shape's core product read 0.44–0.53×
        // of sgemm on 2 threads, 0.97× when measured again after the others, 0.78–0.94× warm.
        let warmX = Tensor.randn([rows, 576], generator: &generator), warmW = Tensor.randn([576, 576], generator: &generator)
        let warmUntil = Date().addingTimeInterval(1)
        while Date() < warmUntil { _ = try Autograd.noGrad { try linear(warmX, weight: warmW) } }
        for (n, k) in Self.shapes {
            let flops = 2.0 * Double(rows) * Double(n) * Double(k)
            let x = Tensor.randn([rows, k], generator: &generator)
            let w = Tensor.randn([n, k], std: 0.05, generator: &generator)
            let y = Tensor(zeros: [rows, n])
            // The peer is OpenBLAS with its own threading (the core calls it single-threaded).
            let raw = Timing.median(repeats: repeats) {
                openblas_set_num_threads(Int32(threads))
                defer { openblas_set_num_threads(1) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(k),
                            1, x.data, Int32(k), w.data, Int32(k), 0, y.data, Int32(n))
            }
            Self.letOpenBLASWorkersPark()
            let core = try Timing.median(repeats: repeats) { _ = try Autograd.noGrad { try linear(x, weight: w) } }
            var row: [String: Any] = ["n": n, "k": k, "rows": rows, "threads": threads,
                                      "raw_gflops": flops / raw / 1e9, "fp32_gflops": flops / core / 1e9,
                                      "fp32_ratio": raw / core]
            var cells: [String] = []
            for type in quantTypes {
                let q = try QuantizedMatrix.quantize(w, as: type)
                let quantized = try Timing.median(repeats: repeats) { _ = try Autograd.noGrad { try linear(x, weight: q) } }
                let dequantizeThenSgemm = Timing.median(repeats: repeats) {
                    let dense = q.dequantized()
                    openblas_set_num_threads(Int32(threads))
                    defer { openblas_set_num_threads(1) }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(k),
                                1, x.data, Int32(k), dense.data, Int32(k), 0, y.data, Int32(n))
                }
                Self.letOpenBLASWorkersPark()
                row["\(type)_gflops"] = flops / quantized / 1e9
                row["\(type)_ratio_vs_sgemm"] = raw / quantized
                row["\(type)_ratio_vs_dequant_sgemm"] = dequantizeThenSgemm / quantized
                cells.append(String(format: "%6.1f  %.2f× (%.2f×)", flops / quantized / 1e9, raw / quantized, dequantizeThenSgemm / quantized))
            }
            if json {
                let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let label = "\(n)×\(k)".padding(toLength: 14, withPad: " ", startingAt: 0)
                print(label + String(format: "%8.1f           %8.1f (%.2f×)          ", flops / raw / 1e9, flops / core / 1e9, raw / core)
                      + cells.joined(separator: "    "))
            }
        }
    }

    /// OpenBLAS's idle workers spin (sched_yield) for a while after a threaded product and take
    /// the cores from the core's pool, so the core is timed only once they have parked.
    static func letOpenBLASWorkersPark() { Thread.sleep(forTimeInterval: 0.5) }
}
