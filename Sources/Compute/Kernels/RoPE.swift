import Foundation

/// Rotary position embedding settings and their inverse frequencies.
///
/// Inverse frequencies follow Hugging Face transformers (`_compute_default_rope_parameters`
/// and the linear / llama3 variants), computed in Float32 as they are there.
public struct RotaryEmbedding: Equatable {
    /// How a checkpoint extends the context beyond training.
    public enum Scaling: Equatable {
        case none
        /// Position interpolation: every frequency divided by `factor`.
        case linear(factor: Float)
        /// Llama 3.1: low frequencies divided by `factor`, high ones kept, a smooth blend between
        /// (transformers' `_compute_llama3_parameters`).
        case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalContextLength: Int)
        /// Per-pair divisors of the frequencies, as GGUF files store Llama 3.1 scaling
        /// (the `rope_freqs.weight` tensor, `[headDim / 2]`).
        case frequencyFactors([Float])
    }

    /// Which elements of a head form a rotated pair.
    public enum Pairing: Equatable {
        /// (i, i + d/2): Hugging Face `rotate_half`, GPT-NeoX, ggml "neox" mode.
        case halves
        /// (2i, 2i + 1): Meta's original Llama code, ggml "normal" mode.
        case interleaved
    }

    public let headDim: Int
    public let base: Float
    public let scaling: Scaling
    public let pairing: Pairing
    /// θ_i for pair i, `[headDim / 2]`.
    public let inverseFrequencies: [Float]

    public init(headDim: Int, base: Float = 10_000, scaling: Scaling = .none, pairing: Pairing = .halves) throws {
        guard headDim > 0 && headDim % 2 == 0 else {
            throw TensorError.invalidArgument(op: "RotaryEmbedding", reason: "headDim \(headDim) must be positive and even")
        }
        guard base > 0 && base.isFinite else {
            throw TensorError.invalidArgument(op: "RotaryEmbedding", reason: "base \(base) must be positive")
        }
        self.headDim = headDim
        self.base = base
        self.scaling = scaling
        self.pairing = pairing
        // inv_freq = 1 / base^(arange(0, d, 2) / d), in float32.
        var frequencies = (0..<(headDim / 2)).map { i in
            1 / pow(base, Float(2 * i) / Float(headDim))
        }
        switch scaling {
        case .none:
            break
        case let .linear(factor):
            guard factor > 0 else {
                throw TensorError.invalidArgument(op: "RotaryEmbedding", reason: "linear scaling factor \(factor) must be positive")
            }
            frequencies = frequencies.map { $0 / factor }
        case let .llama3(factor, low, high, original):
            guard factor > 0, low > 0, high > low, original > 0 else {
                throw TensorError.invalidArgument(op: "RotaryEmbedding",
                    reason: "llama3 scaling needs factor > 0, 0 < lowFrequencyFactor < highFrequencyFactor and originalContextLength > 0 (got \(factor), \(low), \(high), \(original))")
            }
            frequencies = Self.llama3Frequencies(frequencies, factor: factor, low: low, high: high, original: original)
        case let .frequencyFactors(factors):
            guard factors.count == headDim / 2, factors.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw TensorError.invalidArgument(op: "RotaryEmbedding",
                    reason: "frequency factors must be \(headDim / 2) positive numbers (got \(factors.count))")
            }
            frequencies = zip(frequencies, factors).map { $0 / $1 }
        }
        inverseFrequencies = frequencies
    }

    private static func llama3Frequencies(_ frequencies: [Float], factor: Float, low: Float, high: Float,
                                          original: Int) -> [Float] {
        let lowWavelength = Float(original) / low
        let highWavelength = Float(original) / high
        return frequencies.map { frequency in
            let wavelength = 2 * Float.pi / frequency
            if wavelength < highWavelength { return frequency }
            if wavelength > lowWavelength { return frequency / factor }
            let smooth = (Float(original) / wavelength - low) / (high - low)
            return (1 - smooth) * frequency / factor + smooth * frequency
        }
    }
}

/// Rotates query or key heads by their positions.
///
/// - x: `[batch, seq, heads, headDim]`
/// - positions: `[batch][seq]` absolute positions, per row so that left-padded batches and
///   KV-cache offsets get their own
/// - returns `[batch, seq, heads, headDim]`; the gradient rotates back by −θ.
public func applyRoPE(_ x: Tensor, positions: [[Int]], rope: RotaryEmbedding) throws -> Tensor {
    guard x.rank == 4, x.shape[3] == rope.headDim else {
        throw TensorError.invalidShape(op: "applyRoPE", shape: x.shape,
                                       reason: "expected [batch, seq, heads, \(rope.headDim)] for headDim \(rope.headDim)")
    }
    let (batch, seq, heads, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let positionShape = [positions.count, positions.first?.count ?? 0]
    guard positions.count == batch, positions.allSatisfy({ $0.count == seq }) else {
        throw TensorError.shapeMismatch(op: "applyRoPE", lhs: x.shape, rhs: positionShape,
                                        reason: "positions must be [batch][seq] = [\(batch)][\(seq)]")
    }
    let x = x.contiguous()
    let half = d / 2
    // cos/sin of position · θ_i per (batch, seq) row, angle in float32 as transformers does.
    let tableCount = batch * seq * half
    let cosines = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(tableCount, 1))
    let sines = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(tableCount, 1))
    for b in 0..<batch {
        for t in 0..<seq {
            let p = Float(positions[b][t])
            let row = (b * seq + t) * half
            for i in 0..<half {
                let angle = p * rope.inverseFrequencies[i]
                cosines[row + i] = cos(angle)
                sines[row + i] = sin(angle)
            }
        }
    }
    let savedCos = SavedBuffer(cosines), savedSin = SavedBuffer(sines)
    let pairing = rope.pairing
    let out = Tensor(zeros: x.shape)
    rotate(x.data, into: out.data, rows: batch * seq, heads: heads, headDim: d,
           cos: cosines.baseAddress!, sin: sines.baseAddress!, direction: 1, pairing: pairing)
    return out.recorded(op: "applyRoPE", inputs: [x]) { g in
        let gx = Tensor(zeros: g.shape)
        rotate(g.data, into: gx.data, rows: batch * seq, heads: heads, headDim: d,
               cos: savedCos.buffer.baseAddress!, sin: savedSin.buffer.baseAddress!, direction: -1, pairing: pairing)
        return [gx]
    }
}

/// Rotates each pair (a, b) to (a·cos − b·sin, b·cos + a·sin), with sin negated when
/// `direction` is −1 (the inverse rotation).
private func rotate(_ source: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<Float>,
                    rows: Int, heads: Int, headDim d: Int,
                    cos cosines: UnsafeMutablePointer<Float>, sin sines: UnsafeMutablePointer<Float>,
                    direction: Float, pairing: RotaryEmbedding.Pairing) {
    let half = d / 2
    Threads.parallelFor(rows, minChunk: max(1, 4096 / max(heads * d, 1))) { range in
        for row in range {
            let c = cosines + row * half, s = sines + row * half
            for h in 0..<heads {
                let x = source + (row * heads + h) * d, y = target + (row * heads + h) * d
                switch pairing {
                case .halves:
                    for i in 0..<half {
                        let a = x[i], b = x[i + half], sn = direction * s[i]
                        y[i] = a * c[i] - b * sn
                        y[i + half] = b * c[i] + a * sn
                    }
                case .interleaved:
                    for i in 0..<half {
                        let a = x[2 * i], b = x[2 * i + 1], sn = direction * s[i]
                        y[2 * i] = a * c[i] - b * sn
                        y[2 * i + 1] = b * c[i] + a * sn
                    }
                }
            }
        }
    }
}
