/// A projection's weight, `[out, in]` as in PyTorch and GGUF: dense Float32 (trainable or a
/// safetensors checkpoint) or kept quantized in memory (frozen GGUF weights).
public enum WeightMatrix {
    case dense(Tensor)
    case quantized(QuantizedMatrix)

    public var outFeatures: Int {
        switch self {
        case let .dense(t): return t.shape[0]
        case let .quantized(q): return q.rows
        }
    }

    public var inFeatures: Int {
        switch self {
        case let .dense(t): return t.shape[1]
        case let .quantized(q): return q.columns
        }
    }

    /// y = x·Wᵀ, x `[..., in]` → `[..., out]`.
    public func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case let .dense(w): return try linear(x, weight: w)
        case let .quantized(q): return try linear(x, weight: q)
        }
    }

    /// Rows `ids` of the matrix as `[ids.count, in]` (the embedding lookup of a frozen table).
    public func gatherRows(_ ids: [Int]) throws -> Tensor {
        let width = inFeatures
        let out = Tensor(zeros: [ids.count, width])
        for (i, id) in ids.enumerated() {
            guard id >= 0 && id < outFeatures else {
                throw ModelError.invalidInput("token id \(id) is outside the vocabulary of \(outFeatures) tokens")
            }
            switch self {
            case let .dense(t):
                let source = t.contiguous()
                (out.data + i * width).update(from: source.data + id * width, count: width)
            case let .quantized(q):
                q.dequantizeRows(id..<(id + 1), into: out.data + i * width)
            }
        }
        return out
    }

    /// Float32 copy of the whole matrix.
    public func dense() -> Tensor {
        switch self {
        case let .dense(t): return t.detached().copy()
        case let .quantized(q): return q.dequantized()
        }
    }

    /// Bytes held in memory by this weight.
    public var byteCount: Int {
        switch self {
        case let .dense(t): return t.count * MemoryLayout<Float>.stride
        case let .quantized(q): return q.memoryBytes
        }
    }
}
