/// One LoRA adapter on a projection `W` `[out, in]` (Hu et al. 2022; METHODS.md, "LoRA"):
/// the projection's output gains `(α/r)·B·A·dropout(x)`.
///
/// - A `[r, in]`: Kaiming-uniform as PEFT initialises it (`kaiming_uniform_(a=√5)` on a
///   `[r, in]` weight is U(−1/√in, 1/√in)), drawn from the seed.
/// - B `[out, r]`: zeros, so the adapter changes nothing until trained (or, for tests and
///   interop checks, N(0, 0.02²) from the seed with `randomB`).
/// - Dropout on the adapter's input only, with its own seeded stream; the caller says when it
///   applies (the plugins use `Autograd.isRecording`: a training forward).
public final class LowRankAdapter {
    /// A: `[r, in]`, a trainable leaf.
    public let a: Tensor
    /// B: `[out, r]`, a trainable leaf.
    public let b: Tensor
    public let rank: Int
    public let alpha: Double
    /// Probability of dropping an input element in training, in [0, 1).
    public let dropout: Float
    private var dropoutGenerator: SeededGenerator

    /// Creates A and B for a projection `[outFeatures, inFeatures]`, naming them `name + ".A"`
    /// and `name + ".B"`. Throws for a rank below 1, a non-positive α or dropout outside [0, 1).
    public init(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Double, dropout: Float,
                seed: UInt64, randomB: Bool = false, name: String) throws {
        guard rank >= 1 else { throw AdapterError("\(name): the rank r must be at least 1 (got \(rank))") }
        guard alpha > 0, alpha.isFinite else { throw AdapterError("\(name): alpha must be a positive number (got \(alpha))") }
        guard dropout >= 0 && dropout < 1 else { throw AdapterError("\(name): dropout must be in [0, 1) (got \(dropout))") }
        guard inFeatures >= 1, outFeatures >= 1 else {
            throw AdapterError("\(name): the projection must have positive sizes (got [\(outFeatures), \(inFeatures)])")
        }
        var generator = SeededGenerator(seed: seed)
        let bound = 1 / Float(inFeatures).squareRoot()
        a = Tensor.uniform([rank, inFeatures], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        b = randomB ? Tensor.randn([outFeatures, rank], std: 0.02, generator: &generator, requiresGrad: true)
                    : Tensor.zeros([outFeatures, rank], requiresGrad: true)
        a.name = name + ".A"
        b.name = name + ".B"
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        dropoutGenerator = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// α/r.
    public var scale: Float { Float(alpha / Double(rank)) }

    public var inFeatures: Int { a.shape[1] }
    public var outFeatures: Int { b.shape[0] }

    /// `(α/r)·B·A·dropout(x)`: x `[..., in]` → `[..., out]`, in the autograd graph.
    public func delta(_ x: Tensor, training: Bool) throws -> Tensor {
        let dropped = try Compute.dropout(x, probability: dropout, generator: &dropoutGenerator, training: training)
        let down = try linear(dropped, weight: a)          // [..., r]
        return try linear(down, weight: b) * scale         // [..., out]
    }

    /// `W + (α/r)·B·A` for a dense `W` `[out, in]`: the merged weight, off the graph.
    public func merged(into weight: Tensor) throws -> Tensor {
        guard weight.shape == [outFeatures, inFeatures] else {
            throw AdapterError("cannot merge an adapter of [\(outFeatures), \(inFeatures)] into a weight of \(Tensor.describe(weight.shape))")
        }
        return try Autograd.noGrad {
            try weight.detached() + matmul(b.detached(), a.detached()) * scale
        }
    }
}

/// A bad adapter configuration (rank, layers, targets, …); the message says what and where.
public struct AdapterError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
