/// Reductions: sum, mean, max and argmax, over everything or one axis.
///
/// Precision: sums of contiguous runs add 16 lanes of Float over blocks of at most 1024
/// elements (fast, vectorised, error bounded by the block) and combine the block totals in
/// Double; sums over a non-last axis accumulate each output element in Double. A reduction
/// over millions of elements so keeps about Float precision, and the result does not depend
/// on the thread count.
///
/// Every axis reduction views the contiguous input as `[outer, n, inner]`, `n` the reduced
/// extent, and writes `[outer, inner]`.
enum ReductionKernel {
    /// Σ p[0..<n], blocked as described above.
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0
        var i = 0
        let raw = UnsafeRawPointer(p)
        let stride = MemoryLayout<Float>.stride
        while n - i >= 16 {
            let blockEnd = Swift.min(n, i + 1024)
            var a = SIMD8<Float>(), b = SIMD8<Float>()
            while blockEnd - i >= 16 {
                a += raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
                b += raw.loadUnaligned(fromByteOffset: (i + 8) * stride, as: SIMD8<Float>.self)
                i += 16
            }
            total += Double((a + b).sum())
        }
        while i < n {
            total += Double(p[i])
            i += 1
        }
        return total
    }

    /// out[o, j] = scale · Σₖ x[o, k, j] for a contiguous `[outer, n, inner]` input.
    static func sumAxis(_ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, scale: Double,
                        into out: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            Threads.parallelFor(outer, minChunk: Swift.max(1, (1 << 15) / Swift.max(n, 1))) { rows in
                for o in rows { out[o] = Float(sum(x + o * n, n) * scale) }
            }
            return
        }
        // Each task owns whole output rows; a Double accumulator row keeps long sums exact enough.
        Threads.parallelFor(outer * inner, minChunk: Swift.max(64, (1 << 15) / Swift.max(n, 1))) { range in
            var start = range.lowerBound
            var accumulator = [Double](repeating: 0, count: Swift.min(inner, range.count))
            accumulator.withUnsafeMutableBufferPointer { acc in
                while start < range.upperBound {
                    let o = start / inner, j0 = start % inner
                    let width = Swift.min(inner - j0, range.upperBound - start)
                    for j in 0..<width { acc[j] = 0 }
                    var row = x + o * n * inner + j0
                    for _ in 0..<n {
                        for j in 0..<width { acc[j] += Double(row[j]) }
                        row += inner
                    }
                    let dst = out + o * inner + j0
                    for j in 0..<width { dst[j] = Float(acc[j] * scale) }
                    start += width
                }
            }
        }
    }

    /// Splits `shape` around `axis` into `(outer, n, inner)`.
    static func split(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }
}

extension Tensor {
    /// Sum of all elements: a rank-0 tensor.
    public func sum() -> Tensor {
        let out = Tensor(zeros: [])
        out.data[0] = Float(totalSum())
        let inputShape = shape
        return out.recorded(op: "sum", inputs: [self]) { g in
            [Tensor.full(inputShape, value: g.data[0])]
        }
    }

    /// Mean of all elements: a rank-0 tensor (NaN for an empty tensor).
    public func mean() -> Tensor {
        let out = Tensor(zeros: [])
        let n = count
        out.data[0] = Float(totalSum() / Double(n))
        let inputShape = shape
        return out.recorded(op: "mean", inputs: [self]) { g in
            [Tensor.full(inputShape, value: g.data[0] / Float(n))]
        }
    }

    /// Sum over `axis`; the axis is removed unless `keepDims`, which leaves it with extent 1.
    public func sum(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try axisSum(axis: axis, keepDims: keepDims, mean: false, op: "sum(axis:)")
    }

    /// Mean over `axis`; the axis is removed unless `keepDims`.
    public func mean(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try axisSum(axis: axis, keepDims: keepDims, mean: true, op: "mean(axis:)")
    }

    /// Largest element along `axis`. The gradient goes to the first position holding the
    /// maximum; a NaN along the axis is the maximum. The axis must not be empty.
    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let (resolved, outShape) = try reducedShape(axis: axis, keepDims: keepDims, op: "max(axis:)", needsElements: true)
        let (outer, n, inner) = ReductionKernel.split(shape, axis: resolved)
        let indices = argmaxIndices(outer: outer, n: n, inner: inner)
        let source = isContiguous ? self : contiguousStorageCopy()
        let out = Tensor(zeros: outShape)
        for o in 0..<outer {
            for j in 0..<inner {
                let slot = o * inner + j
                out.data[slot] = source.data[(o * n + indices[slot]) * inner + j]
            }
        }
        let inputShape = shape
        return out.recorded(op: "max(axis:)", inputs: [self]) { g in
            let gx = Tensor(zeros: inputShape)
            for o in 0..<outer {
                for j in 0..<inner {
                    let slot = o * inner + j
                    gx.data[(o * n + indices[slot]) * inner + j] = g.data[slot]
                }
            }
            return [gx]
        }
    }

    /// Position of the first largest element along `axis` (NaN counts as largest), as plain
    /// integers in row-major order of the shape with `axis` removed; for logits
    /// `[batch, vocab]` and `axis: -1`, one token id per batch row. Not differentiable.
    public func argmax(axis: Int) throws -> [Int] {
        let (resolved, _) = try reducedShape(axis: axis, keepDims: false, op: "argmax(axis:)", needsElements: true)
        let (outer, n, inner) = ReductionKernel.split(shape, axis: resolved)
        return argmaxIndices(outer: outer, n: n, inner: inner)
    }

    // MARK: - Internals

    /// Σ of all elements in Double, over fixed chunks so the result is independent of threads.
    private func totalSum() -> Double {
        let source = isContiguous ? self : contiguousStorageCopy()
        let n = count
        let chunk = 1 << 16
        let chunks = (n + chunk - 1) / chunk
        guard chunks > 1 else { return ReductionKernel.sum(source.data, n) }
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { totals in
            let base = totals.baseAddress!, p = UnsafePointer(source.data)
            Threads.parallelFor(chunks) { range in
                for c in range {
                    base[c] = ReductionKernel.sum(p + c * chunk, Swift.min(chunk, n - c * chunk))
                }
            }
        }
        return partial.reduce(0, +)
    }

    private func axisSum(axis: Int, keepDims: Bool, mean: Bool, op: String) throws -> Tensor {
        let (resolved, outShape) = try reducedShape(axis: axis, keepDims: keepDims, op: op, needsElements: false)
        let (outer, n, inner) = ReductionKernel.split(shape, axis: resolved)
        let source = isContiguous ? self : contiguousStorageCopy()
        let out = Tensor(zeros: outShape)
        let scale = mean ? 1 / Double(n) : 1
        ReductionKernel.sumAxis(source.data, outer: outer, n: n, inner: inner, scale: scale, into: out.data)
        let inputShape = shape
        return out.recorded(op: op, inputs: [self]) { g in
            // Every input element along the axis receives its output's gradient (÷ n for mean).
            let gx = Tensor(zeros: inputShape)
            let factor = Float(scale)
            let pg = g.data, px = gx.data
            Threads.parallelFor(outer, minChunk: Swift.max(1, (1 << 15) / Swift.max(n * inner, 1))) { rows in
                for o in rows {
                    let src = pg + o * inner
                    for k in 0..<n {
                        let dst = px + (o * n + k) * inner
                        for j in 0..<inner { dst[j] = src[j] * factor }
                    }
                }
            }
            return [gx]
        }
    }

    /// Validates `axis` and gives the output shape of reducing it.
    private func reducedShape(axis: Int, keepDims: Bool, op: String, needsElements: Bool) throws -> (Int, [Int]) {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: op, reason: "a rank-0 tensor has no axis \(axis) to reduce")
        }
        let resolved = try normalizedAxis(axis, op: op)
        if needsElements && shape[resolved] == 0 {
            throw TensorError.invalidShape(op: op, shape: shape, reason: "axis \(axis) is empty")
        }
        var outShape = shape
        if keepDims { outShape[resolved] = 1 } else { outShape.remove(at: resolved) }
        return (resolved, outShape)
    }

    /// For each `[outer, inner]` slot, the first index along the axis holding the maximum.
    private func argmaxIndices(outer: Int, n: Int, inner: Int) -> [Int] {
        let source = isContiguous ? self : contiguousStorageCopy()
        let p = source.data
        var indices = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for j in 0..<inner {
                var best = p[o * n * inner + j]
                var bestIndex = 0
                if !best.isNaN {
                    for k in 1..<Swift.max(n, 1) {
                        let v = p[(o * n + k) * inner + j]
                        if v > best || v.isNaN {
                            best = v
                            bestIndex = k
                            if v.isNaN { break }
                        }
                    }
                }
                indices[o * inner + j] = bestIndex
            }
        }
        return indices
    }
}
