/// A symmetric matrix of pairwise distances with a zero diagonal, stored condensed (the upper
/// triangle row by row, scipy's `pdist` layout): entry (i, j), i < j, at n·i − i(i+1)/2 + j − i − 1.
public struct DistanceMatrix: Equatable {
    /// Number of points.
    public let count: Int
    /// The upper triangle, `count·(count−1)/2` values.
    public private(set) var condensed: [Double]

    /// From a condensed vector; throws if its length is not n(n−1)/2 or a value is negative or not finite.
    public init(condensed: [Double]) throws {
        let root: Double = (1 + 8 * Double(condensed.count)).squareRoot()
        let n = Int(((1 + root) / 2).rounded())
        guard n >= 1, n * (n - 1) / 2 == condensed.count else {
            throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "a condensed matrix has n(n−1)/2 entries; \(condensed.count) is not of that form")
        }
        if let bad = condensed.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "condensed entry \(bad) is \(condensed[bad]); distances must be finite and non-negative")
        }
        self.count = n
        self.condensed = condensed
    }

    /// From a square matrix; throws (naming the row and column) unless it is square, symmetric
    /// within `tolerance`, has a zero diagonal, and holds finite non-negative values.
    public init(square rows: [[Double]], tolerance: Double = 1e-9) throws {
        let n = rows.count
        guard n >= 1 else { throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "the matrix is empty") }
        if let bad = rows.firstIndex(where: { $0.count != n }) {
            throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "the matrix is not square: it has \(n) rows but row \(bad) has \(rows[bad].count) columns")
        }
        var values: [Double] = []
        values.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in 0..<n {
                let v = rows[i][j]
                guard v.isFinite else {
                    throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "row \(i), column \(j) is \(v); distances must be finite numbers")
                }
                guard v >= 0 else {
                    throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "row \(i), column \(j) is \(v); distances must not be negative")
                }
            }
            guard abs(rows[i][i]) <= tolerance else {
                throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "row \(i), column \(i) (the diagonal) is \(rows[i][i]); a point's distance to itself must be 0")
            }
            for j in (i + 1)..<n {
                let (a, b) = (rows[i][j], rows[j][i])
                guard abs(a - b) <= tolerance * max(1, abs(a), abs(b)) else {
                    throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "the matrix is not symmetric: row \(i), column \(j) is \(a) but row \(j), column \(i) is \(b)")
                }
                values.append(a)
            }
        }
        count = n
        condensed = values
    }

    /// Euclidean distances between the rows of `points` `[n][d]`, computed in Double.
    public init(euclidean points: [[Double]]) throws {
        let n = points.count
        guard let d = points.first?.count else { throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "there are no points") }
        if let bad = points.firstIndex(where: { $0.count != d }) {
            throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "point \(bad) has \(points[bad].count) coordinates, point 0 has \(d)")
        }
        var values = [Double](repeating: 0, count: n * (n - 1) / 2)
        var k = 0
        for i in 0..<n {
            points[i].withUnsafeBufferPointer { a in
                for j in (i + 1)..<n {
                    var sum = 0.0
                    points[j].withUnsafeBufferPointer { b in
                        for c in 0..<d {
                            let diff = a[c] - b[c]
                            sum += diff * diff
                        }
                    }
                    values[k] = sum.squareRoot()
                    k += 1
                }
            }
        }
        try self.init(condensed: values)
    }

    /// The distance between points `i` and `j` (0 when equal).
    @inline(__always)
    public subscript(i: Int, j: Int) -> Double {
        if i == j { return 0 }
        let (a, b) = i < j ? (i, j) : (j, i)
        return condensed[count * a - a * (a + 1) / 2 + b - a - 1]
    }

    /// The full matrix `[count][count]`.
    public var square: [[Double]] {
        (0..<count).map { i in (0..<count).map { j in self[i, j] } }
    }

    /// The matrix of the points at `indices` (repeats allowed: a bootstrap resample).
    public func selecting(_ indices: [Int]) throws -> DistanceMatrix {
        var values: [Double] = []
        values.reserveCapacity(indices.count * (indices.count - 1) / 2)
        for (a, i) in indices.enumerated() {
            for j in indices[(a + 1)...] { values.append(self[i, j]) }
        }
        return try DistanceMatrix(condensed: values)
    }

    /// `1 − s` for a similarity matrix `s` (CKA, cosine) with ones on the diagonal: DHAM step 3.
    /// Values above 1 by less than 1e-6 (rounding) give distance 0; larger ones are an error.
    public static func fromSimilarity(_ similarity: [[Double]], tolerance: Double = 1e-9) throws -> DistanceMatrix {
        var rows = similarity
        for (i, row) in similarity.enumerated() {
            for (j, s) in row.enumerated() {
                guard s.isFinite else {
                    throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "similarity row \(i), column \(j) is \(s); similarities must be finite numbers")
                }
                guard s <= 1 + 1e-6 else {
                    throw TensorError.invalidArgument(op: "DistanceMatrix", reason: "similarity row \(i), column \(j) is \(s); similarities must be at most 1 (the distance is 1 − s)")
                }
                rows[i][j] = i == j ? 1 - s : max(0, 1 - s)
            }
        }
        return try DistanceMatrix(square: rows, tolerance: max(tolerance, 1e-6))
    }
}
