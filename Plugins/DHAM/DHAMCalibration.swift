// DHAM calibration (METHODS.md "DHAM" steps 1–3): per-layer representations of the session's
// first `calib` examples → a layer similarity S → distance → agglomerative clustering → G by
// silhouette, stabilised over bootstrap resamples → stages.
//
// Representations. X^(l) is the hidden state entering block l (layer 0: the embeddings), i.e.
// the sequence a stage prompt inserted at layer l joins (LayerRepresentations); every token of
// every calibration example (prompt and answer, at most 256 tokens each) is one row, stacked over
// examples, except each example's first `skip` positions (the BOS/attention-sink token, whose
// outsized activations dominate linear CKA; they still run through the model).
// Distances. cka: 1 − linear CKA. cosine: 1 − the mean over tokens of the cosine between a
// token's vectors in the two layers. euclidean: the RMS distance between a token's vectors
// after each layer is centred and scaled to unit RMS norm (TokenwiseLayerSimilarity).
// Bootstrap. Resamples draw calibration *examples* with replacement (all their tokens go along);
// each resample votes for its silhouette-best G, and the most frequent G wins (ties: smaller).

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
    /// Tokens per calibration example at most (longer ones are cut), bounding the cost.
    static let calibrationTokens = 256

    /// Calibrates on the first `calib` examples and returns the chosen stages with what was measured.
    func calibrate(_ context: MethodContext) throws -> LayerCalibration {
        guard !context.examples.isEmpty else {
            throw ParameterError("dham metric=\(metric) calibrates on the session's data, and there is none; run `data …` first (e.g. `data gsm8k limit=64`), or use metric=uniform G=k")
        }
        let model = context.model.model
        let layerCount = model.config.layerCount
        guard layerCount >= 3 else {
            throw ParameterError("dham metric=\(metric) clusters layers, and this model has \(layerCount); use metric=uniform G=k")
        }
        let examples = context.examples.prefix(calibrationCount).map { Array($0.ids.prefix(Self.calibrationTokens)) }
        let states = try LayerStates(model: model, examples: examples, skipLeading: skipLeading)
        guard states.tokens >= 2 else {
            throw ParameterError("dham: the calibration examples hold \(states.tokens) token; give more data (`data … limit=32`)")
        }
        let linkage = Linkage(rawValue: self.linkage) ?? .average
        let full = try layerDistances(states.layers, rows: nil)
        let tree = AgglomerativeClustering.cluster(full.distances, linkage: linkage)

        // G: forced, or the silhouette-best cut in [gmin, gmax] (bootstrap vote when resampling).
        let range = gRange.lowerBound...min(gRange.upperBound, layerCount - 1)
        var silhouette: [Int: Double] = [:]
        var votes: [Int: Int] = [:]
        let chosen: Int
        if let forcedG {
            guard forcedG <= layerCount else { throw ParameterError("dham G=\(forcedG): this model has \(layerCount) layers; give G ≤ \(layerCount)") }
            chosen = forcedG
        } else {
            guard range.lowerBound <= range.upperBound, range.lowerBound >= 2 else {
                throw ParameterError("dham G=auto chooses G by silhouette, defined for 2 ≤ G ≤ \(layerCount - 1) on this model; give gmin, gmax in that range or G=k")
            }
            for (g, score) in try ClusterCountSelection.silhouettes(full.distances, linkage: linkage, range: range) {
                if let score { silhouette[g] = score }
            }
            if bootstrap > 0 {
                var generator = context.generator(for: "dham.bootstrap")
                let result = try ClusterCountSelection.bootstrap(sampleCount: states.examples, resamples: bootstrap, range: range,
                                                                 linkage: linkage, seed: generator.next()) { indices in
                    try self.layerDistances(states.layers, rows: states.rows(indices)).distances
                }
                votes = result.votes
                chosen = result.count
            } else {
                guard let best = try ClusterCountSelection.best(full.distances, linkage: linkage, range: range) else {
                    throw ParameterError("dham G=auto: no G in \(range.lowerBound)–\(range.upperBound) has a defined silhouette on these layers; give G=k")
                }
                chosen = best.count
            }
        }
        let labels = try tree.clusters(count: chosen)
        let partition = try StagePartition.clusters(labels)
        guard partition.count == chosen else {
            throw ParameterError("dham: the \(linkage.rawValue)-linkage tree has tied merge heights and cannot be cut into exactly \(chosen) stages (it gives \(partition.count)); give another G or linkage")
        }
        return LayerCalibration(
            partition: partition, distanceName: full.name, linkage: linkage.rawValue, examples: states.examples, tokens: states.tokens,
            similarity: full.shown, merges: tree.merges.map { DendrogramFigure.Merge(left: $0.left, right: $0.right, height: $0.distance) },
            cut: tree.threshold(forCount: chosen), silhouette: silhouette, votes: votes)
    }

    /// The layer distance of `metric` over `rows` of the representations (all when nil), and the
    /// matrix `inspect stages` shows (the similarity, or for euclidean the distance itself).
    func layerDistances(_ layers: [Tensor], rows: [Int]?) throws -> (distances: DistanceMatrix, shown: [[Double]], name: String) {
        switch metric {
        case "cosine", "euclidean":
            let selected = try rows.map { rows in try layers.map { try $0.indexSelect(axis: 0, indices: rows) } } ?? layers
            if metric == "cosine" {
                let s = try TokenwiseLayerSimilarity.cosine(selected)
                return (try DistanceMatrix.fromSimilarity(s), s, "1 − mean token cosine")
            }
            let d = try TokenwiseLayerSimilarity.euclidean(selected)
            return (try DistanceMatrix(square: d), d, "RMS distance of mean-normalised tokens")
        default:
            let s = try LinearCKA.matrix(layers, rows: rows)
            return (try DistanceMatrix.fromSimilarity(s), s, "1 − linear CKA")
        }
    }
}

/// The hidden state entering every block (X^(l) for layer l: layer 0 is the embeddings) over
/// every calibration token, from the frozen model, with each example's rows.
private struct LayerStates {
    /// `[N, d]` per layer: the tokens of all examples, stacked in order.
    let layers: [Tensor]
    /// The rows of each example.
    let rowsOfExample: [Range<Int>]

    init(model: LlamaModel, examples: [[Int]], skipLeading: Int) throws {
        let kept = examples.filter { $0.count > skipLeading }
        guard !kept.isEmpty else {
            throw ParameterError("dham: every calibration example has at most \(skipLeading) tokens, all of them skipped; lower skip or give longer data")
        }
        layers = try LayerRepresentations.collect(model: model, sequences: kept, layers: Array(0..<model.config.layerCount),
                                                  skipLeading: skipLeading)
        var start = 0
        rowsOfExample = kept.map { ids in
            defer { start += ids.count - skipLeading }
            return start..<(start + ids.count - skipLeading)
        }
    }

    var examples: Int { rowsOfExample.count }
    var tokens: Int { layers.first?.shape[0] ?? 0 }

    /// The rows of the examples at `indices` (repeats allowed: a bootstrap resample).
    func rows(_ indices: [Int]) -> [Int] { indices.flatMap { Array(rowsOfExample[$0]) } }
}
