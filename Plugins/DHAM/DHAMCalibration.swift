// DHAM calibration (METHODS.md "DHAM" steps 1–3): per-layer representations of the session's
// first `calib` examples → a layer similarity S → distance → agglomerative clustering → G by
// silhouette, stabilised over bootstrap resamples → stages.

import Compute
import PluginAPI

/// What calibration measured, for `inspect stages`.
struct LayerCalibration {
    var partition: StagePartition
    var distanceName: String
    var linkage: String
    var examples: Int
    var tokens: Int
    /// S `[L][L]`: similarity of layer pairs (for euclidean, exp(−distance) — see `distanceName`).
    var similarity: [[Double]]
    var merges: [DendrogramFigure.Merge]
    /// The dendrogram height that separates the chosen clusters.
    var cut: Double?
    /// Silhouette of the full calibration set's clustering, per G considered.
    var silhouette: [Int: Double]
    /// How often each G won over the bootstrap resamples.
    var votes: [Int: Int]

    var json: JSONValue {
        .object([
            "examples": .int(examples), "tokens": .int(tokens), "distance": .string(distanceName), "linkage": .string(linkage),
            "similarity": .array(similarity.map { .array($0.map(JSONValue.number)) }),
            "merges": .array(merges.map { .array([.int($0.left), .int($0.right), .number($0.height)]) }),
            "silhouette": .object(Dictionary(uniqueKeysWithValues: silhouette.map { ("\($0.key)", JSONValue.number($0.value)) })),
            "votes": .object(Dictionary(uniqueKeysWithValues: votes.map { ("\($0.key)", JSONValue.int($0.value)) })),
        ])
    }

    /// A few lines on S: its range and, per layer, the most similar other layer.
    func similaritySummary() -> [String] {
        let n = similarity.count
        guard n > 1 else { return [] }
        var offDiagonal: [Double] = []
        var nearest: [String] = []
        for i in 0..<n {
            var best = -Double.infinity, index = i
            for j in 0..<n where j != i {
                offDiagonal.append(similarity[i][j])
                if similarity[i][j] > best { (best, index) = (similarity[i][j], j) }
            }
            nearest.append("\(i)→\(index)")
        }
        let adjacent = (0..<(n - 1)).map { similarity[$0][$0 + 1] }
        return ["similarity of layer pairs: min \(format(offDiagonal.min() ?? 0)), mean \(format(offDiagonal.reduce(0, +) / Double(offDiagonal.count))), max \(format(offDiagonal.max() ?? 0))",
                "adjacent layers: " + adjacent.map(format).joined(separator: " "),
                "most similar layer: " + nearest.joined(separator: " ")]
    }
}

extension DHAM {
    /// Calibrates on `context.examples` and returns the chosen stages with what was measured.
    func calibrate(_ context: MethodContext) throws -> LayerCalibration {
        guard !context.examples.isEmpty else {
            throw ParameterError("dham metric=\(metric) calibrates on the session's data, and there is none; run `data …` first (e.g. `data gsm8k limit=64`), or use metric=uniform G=k")
        }
        throw ParameterError("dham metric=\(metric): calibration is not available in this build; use metric=uniform G=k or metric=single")
    }
}
