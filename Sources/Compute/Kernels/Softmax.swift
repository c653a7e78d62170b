import Foundation

/// Softmax along `axis`, numerically stable (the row maximum is subtracted first).
///
/// `-inf` entries get probability 0, and a row that is entirely `-inf` (nothing visible) gives
/// all zeros rather than NaN. Shape is unchanged.
public func softmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    let layout = try RowLayout(x, axis: axis, op: "softmax")
    let x = x.contiguous()
    let out = Tensor(zeros: x.shape)
    layout.forEachRow(input: x.data, output: out.data) { row, result, n in
        softmaxRow(row, result, n)
    }
    let saved = out.detached()
    return out.recorded(op: "softmax", inputs: [x]) { g in
        // dx = y ⊙ (g − Σ g·y)
        let gx = Tensor(zeros: g.shape)
        layout.forEachRowPair(g.data, saved.data, output: gx.data) { gRow, yRow, result, n in
            var dot: Float = 0
            for j in 0..<n { dot += gRow[j] * yRow[j] }
            for j in 0..<n { result[j] = yRow[j] * (gRow[j] - dot) }
        }
        return [gx]
    }
}

/// log(softmax(x)) along `axis`, computed as `x − logsumexp(x)` without forming the softmax.
///
/// `-inf` entries stay `-inf`; a row entirely `-inf` stays `-inf` and passes no gradient.
public func logSoftmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    let layout = try RowLayout(x, axis: axis, op: "logSoftmax")
    let x = x.contiguous()
    let out = Tensor(zeros: x.shape)
    layout.forEachRow(input: x.data, output: out.data) { row, result, n in
        let lse = logSumExpRow(row, n)
        if lse == -.infinity {
            result.update(repeating: -.infinity, count: n)
        } else {
            for j in 0..<n { result[j] = row[j] - lse }
        }
    }
    let saved = out.detached()
    return out.recorded(op: "logSoftmax", inputs: [x]) { g in
        // dx = g − softmax · Σ g
        let gx = Tensor(zeros: g.shape)
        layout.forEachRowPair(g.data, saved.data, output: gx.data) { gRow, yRow, result, n in
            guard (0..<n).contains(where: { yRow[$0] != -.infinity }) else {
                result.update(repeating: 0, count: n)
                return
            }
            var total: Float = 0
            for j in 0..<n { total += gRow[j] }
            for j in 0..<n { result[j] = gRow[j] - exp(yRow[j]) * total }
        }
        return [gx]
    }
}

// MARK: - Row kernels shared with attention and the losses

/// The largest entry of a row, NaN if any entry is NaN (so that a NaN row stays NaN, not an
/// all-masked row of zeros), −∞ for an empty row.
@inline(__always)
func rowPeak(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var peak = -Float.infinity, sawNaN = false
    for j in 0..<n {
        peak = max(peak, x[j])
        sawNaN = sawNaN || x[j].isNaN
    }
    return sawNaN ? .nan : peak
}

/// `y = softmax(x)` over one contiguous row of `n`; all-`-inf` rows give zeros, a NaN anywhere
/// gives NaNs.
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let peak = rowPeak(x, n)
    guard peak != -.infinity else {
        y.update(repeating: 0, count: n)
        return
    }
    var total: Float = 0
    for j in 0..<n {
        let e = exp(x[j] - peak)
        y[j] = e
        total += e
    }
    let scale = 1 / total
    for j in 0..<n { y[j] *= scale }
}

/// log Σ exp(x) over one contiguous row; `-inf` when every entry is `-inf`.
@inline(__always)
func logSumExpRow(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let peak = rowPeak(x, n)
    guard peak != -.infinity else { return -.infinity }
    var total: Float = 0
    for j in 0..<n { total += exp(x[j] - peak) }
    return peak + log(total)
}

/// Splits a contiguous tensor into the rows along one axis: `outer × inner` rows of
/// `length` elements, `inner` apart. Rows along a non-last axis are gathered into a scratch
/// buffer so that the row kernels always see contiguous memory.
struct RowLayout {
    let outer: Int
    let length: Int
    let inner: Int

    init(_ x: Tensor, axis: Int, op: String) throws {
        guard x.rank >= 1 else {
            throw TensorError.invalidShape(op: op, shape: x.shape, reason: "a scalar has no axis to normalise over")
        }
        let axis = try x.normalizedAxis(axis, op: op)
        outer = x.shape[..<axis].reduce(1, *)
        length = x.shape[axis]
        inner = x.shape[(axis + 1)...].reduce(1, *)
    }

    private var rows: Int { outer * inner }

    private func base(_ row: Int) -> Int {
        (row / inner) * length * inner + row % inner
    }

    /// `body(inputRow, outputRow, length)` for every row, in parallel over rows.
    func forEachRow(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                    _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let n = length
        Threads.parallelFor(rows, minChunk: max(1, 16_384 / max(n, 1))) { range in
            if inner == 1 {
                for row in range { body(input + row * n, output + row * n, n) }
                return
            }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n)
            defer { scratch.deallocate() }
            for row in range {
                let start = base(row)
                for j in 0..<n { scratch[j] = input[start + j * inner] }
                body(scratch, scratch + n, n)
                for j in 0..<n { output[start + j * inner] = scratch[n + j] }
            }
        }
    }

    /// `body(firstRow, secondRow, outputRow, length)` over matching rows of two tensors.
    func forEachRowPair(_ first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>,
                        output: UnsafeMutablePointer<Float>,
                        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        let n = length
        Threads.parallelFor(rows, minChunk: max(1, 16_384 / max(n, 1))) { range in
            if inner == 1 {
                for row in range { body(first + row * n, second + row * n, output + row * n, n) }
                return
            }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * n)
            defer { scratch.deallocate() }
            for row in range {
                let start = base(row)
                for j in 0..<n {
                    scratch[j] = first[start + j * inner]
                    scratch[n + j] = second[start + j * inner]
                }
                body(scratch, scratch + n, scratch + 2 * n, n)
                for j in 0..<n { output[start + j * inner] = scratch[2 * n + j] }
            }
        }
    }
}
