/// Linear centred kernel alignment between representations of the same N inputs (DHAM step 2,
/// METHODS.md): the feature-space form ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on column-centred X, Y,
/// equal to HSIC(K,L)/√(HSIC(K,K)·HSIC(L,L)) with K = XXᵀ, L = YYᵀ, and O(N·d²) instead of O(N²·d).
///
/// Values lie in [0, 1]; CKA(X, X) = 1; it is invariant to orthogonal transforms and isotropic
/// scaling of either side, not to general invertible ones.
public enum LinearCKA {
    /// CKA of two representations `x` `[N, d_x]` and `y` `[N, d_y]` (rows are the same inputs).
    public static func similarity(_ x: Tensor, _ y: Tensor) throws -> Double {
        let a = try CenteredFeatures(x, label: "x")
        let b = try CenteredFeatures(y, label: "y")
        guard a.rows == b.rows else {
            throw TensorError.shapeMismatch(op: "LinearCKA", lhs: x.shape, rhs: y.shape,
                                            reason: "both need one row per input; they have \(a.rows) and \(b.rows) rows")
        }
        let xx = a.crossNorm(with: a), yy = b.crossNorm(with: b)
        try requireVariance(xx, label: "x")
        try requireVariance(yy, label: "y")
        let xy = a.crossNorm(with: b)
        return (xy * xy) / (xx * yy)
    }

    /// The L×L CKA matrix of `layers`, each `[N, d_l]` over the same N inputs. Each layer is
    /// centred once and each pair's product computed once (the matrix is symmetric).
    /// `rows`: use these rows of every layer instead (repeats allowed: a bootstrap resample of
    /// the calibration tokens, DHAM step 3) without copying the layers first.
    public static func matrix(_ layers: [Tensor], rows: [Int]? = nil) throws -> [[Double]] {
        let features = try layers.enumerated().map { try CenteredFeatures($0.element, rows: rows, label: "layer \($0.offset)") }
        if let first = features.first, let bad = features.firstIndex(where: { $0.rows != first.rows }) {
            throw TensorError.shapeMismatch(op: "LinearCKA", lhs: layers[0].shape, rhs: layers[bad].shape,
                                            reason: "layer \(bad) has \(features[bad].rows) rows, layer 0 has \(first.rows); every layer needs one row per input")
        }
        let count = features.count
        let norms = features.map { $0.crossNorm(with: $0) }   // ‖XᵀX‖_F per layer
        for (index, norm) in norms.enumerated() { try requireVariance(norm, label: "layer \(index)") }
        var result = Array(repeating: Array(repeating: 1.0, count: count), count: count)
        for i in 0..<count {
            for j in (i + 1)..<count {
                let cross = features[i].crossNorm(with: features[j])
                let value = (cross * cross) / (norms[i] * norms[j])
                result[i][j] = value
                result[j][i] = value
            }
        }
        return result
    }

    private static func requireVariance(_ norm: Double, label: String) throws {
        guard norm > 0, norm.isFinite else {
            throw TensorError.invalidArgument(op: "LinearCKA", reason: "\(label) is constant across inputs (or not finite), so its CKA is undefined")
        }
    }
}

/// A representation `[rows, columns]` with each column's mean removed (H·X in the HSIC form),
/// stored as Float for sgemm; the means are taken in Double.
struct CenteredFeatures {
    let rows: Int
    let columns: Int
    let values: [Float]   // [rows, columns]

    /// Rows per sgemm call: products are summed in Double across blocks, so Float accumulation
    /// error grows with the block length, not with N.
    static let blockRows = 4096

    /// `rows`: the rows of `tensor` to take, in order (all when nil).
    init(_ tensor: Tensor, rows selection: [Int]? = nil, label: String) throws {
        guard tensor.rank == 2 else {
            throw TensorError.invalidShape(op: "LinearCKA", shape: tensor.shape,
                                           reason: "\(label) must be [N, d] (one row per input)")
        }
        let d = tensor.shape[1]
        if let selection, let bad = selection.first(where: { !(0..<tensor.shape[0]).contains($0) }) {
            throw TensorError.invalidArgument(op: "LinearCKA", reason: "row \(bad) is outside \(label)'s \(tensor.shape[0]) rows")
        }
        let rowIndex = selection ?? Array(0..<tensor.shape[0])
        let n = rowIndex.count
        guard n >= 2, d >= 1 else {
            throw TensorError.invalidShape(op: "LinearCKA", shape: tensor.shape, reason: "\(label) needs at least 2 rows and 1 column")
        }
        let source = tensor.contiguous()
        let pointer = source.data
        var means = [Double](repeating: 0, count: d)
        for r in rowIndex {
            let row = pointer + r * d
            for c in 0..<d { means[c] += Double(row[c]) }
        }
        for c in 0..<d { means[c] /= Double(n) }
        var centred = [Float](repeating: 0, count: n * d)
        var finite = true
        centred.withUnsafeMutableBufferPointer { out in
            for (r, source) in rowIndex.enumerated() {
                for c in 0..<d {
                    let v = Double(pointer[source * d + c])
                    if !v.isFinite { finite = false }
                    out[r * d + c] = Float(v - means[c])
                }
            }
        }
        guard finite else {
            throw TensorError.invalidArgument(op: "LinearCKA", reason: "\(label) contains NaN or infinite values")
        }
        rows = n
        columns = d
        values = centred
    }

    /// ‖Yᵀ X‖_F with X = self, Y = other: `[d_y, d_x]` products over row blocks, summed in Double.
    func crossNorm(with other: CenteredFeatures) -> Double {
        let (dx, dy) = (columns, other.columns)
        var total = [Double](repeating: 0, count: dx * dy)
        var block = [Float](repeating: 0, count: dx * dy)
        values.withUnsafeBufferPointer { x in
            other.values.withUnsafeBufferPointer { y in
                var start = 0
                while start < rows {
                    let count = min(Self.blockRows, rows - start)
                    block.withUnsafeMutableBufferPointer { c in
                        // c[dy, dx] = y[start..<start+count]ᵀ · x[start..<start+count]
                        BLASGemm.gemm(m: dy, n: dx, k: count,
                                      .init(UnsafeMutablePointer(mutating: y.baseAddress! + start * dy),
                                            transposed: true, leadingDimension: dy),
                                      .init(UnsafeMutablePointer(mutating: x.baseAddress! + start * dx),
                                            leadingDimension: dx),
                                      c: c.baseAddress!, ldc: dx)
                    }
                    for k in 0..<(dx * dy) { total[k] += Double(block[k]) }
                    start += count
                }
            }
        }
        var sum = 0.0
        for v in total { sum += v * v }
        return sum.squareRoot()
    }
}
