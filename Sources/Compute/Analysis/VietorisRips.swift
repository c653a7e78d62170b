/// Persistent homology of the Vietoris–Rips filtration in dimensions 0 and 1, exact, for a few
/// hundred points (TSLoss's topology of representations; `inspect topology`).
///
/// Simplices enter at their diameter; ties are broken by the combinatorial index of the simplex
/// (edge {i<j}: C(j,2)+i; triangle {i<j<k}: C(k,3)+C(j,2)+i), as ripser does. The nonzero
/// intervals do not depend on the tie-break, so they agree with ripser's (which also drops
/// zero-length intervals, as this does).
public enum VietorisRips {
    /// The barcode of the points `[n][d]` under Euclidean distance (computed in Double).
    /// `maxRadius`: only simplices of diameter ≤ it enter (ripser's `thresh`).
    public static func barcode(points: [[Double]], maxRadius: Double? = nil) throws -> PersistenceBarcode {
        try barcode(DistanceMatrix(euclidean: points), maxRadius: maxRadius)
    }

    /// The barcode of the rows of `points` `[n, d]`.
    public static func barcode(points: Tensor, maxRadius: Double? = nil) throws -> PersistenceBarcode {
        guard points.rank == 2 else {
            throw TensorError.invalidShape(op: "VietorisRips", shape: points.shape, reason: "points must be [n, d], one row per point")
        }
        let values = points.contiguous().scalars.map(Double.init)
        let d = points.shape[1]
        return try barcode(points: (0..<points.shape[0]).map { Array(values[($0 * d)..<($0 * d + d)]) }, maxRadius: maxRadius)
    }

    /// The barcode of a precomputed distance matrix.
    public static func barcode(_ distances: DistanceMatrix, maxRadius: Double? = nil) throws -> PersistenceBarcode {
        if let maxRadius, !(maxRadius >= 0) {
            throw TensorError.invalidArgument(op: "VietorisRips", reason: "max radius is \(maxRadius); it must be a non-negative number")
        }
        let complex = RipsComplex(distances, maxRadius: maxRadius ?? .infinity)
        let (h0, deathEdges) = complex.componentBars()
        let h1 = complex.cycleBars(skipping: deathEdges)
        return PersistenceBarcode(h0: h0, h1: h1)
    }
}

/// The 1-skeleton of a Rips filtration: a square distance table and the edges in filtration order.
struct RipsComplex {
    let n: Int
    let maxRadius: Double
    let distance: [Double]             // [n * n]
    /// Edges with diameter ≤ maxRadius in filtration order (diameter, then index).
    let edges: [(diameter: Double, index: Int)]

    init(_ matrix: DistanceMatrix, maxRadius: Double) {
        n = matrix.count
        self.maxRadius = maxRadius
        var table = [Double](repeating: 0, count: n * n)
        var list: [(diameter: Double, index: Int)] = []
        for j in 0..<n {
            for i in 0..<j {
                let d = matrix[i, j]
                table[i * n + j] = d
                table[j * n + i] = d
                if d <= maxRadius { list.append((d, RipsComplex.edgeIndex(i, j))) }
            }
        }
        distance = table
        edges = list.sorted { ($0.diameter, $0.index) < ($1.diameter, $1.index) }
    }

    /// C(j,2) + i for i < j.
    @inline(__always)
    static func edgeIndex(_ i: Int, _ j: Int) -> Int { j * (j - 1) / 2 + i }

    /// The vertices i < j of an edge index.
    static func vertices(ofEdge index: Int) -> (Int, Int) {
        var j = Int((Double(2 * index) + 0.25).squareRoot() + 0.5)
        while j * (j - 1) / 2 > index { j -= 1 }
        while (j + 1) * j / 2 <= index { j += 1 }
        return (index - j * (j - 1) / 2, j)
    }

    /// H0 by Kruskal's algorithm: each edge joining two components kills one (birth 0, death =
    /// its diameter); the components left at the end are infinite bars. Also returns the edges
    /// that killed a component: their coboundary columns reduce to zero in H1 (clearing).
    func componentBars() -> ([PersistenceBar], Set<Int>) {
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            var v = x
            while parent[v] != r {
                let next = parent[v]
                parent[v] = r
                v = next
            }
            return r
        }
        var bars: [PersistenceBar] = []
        var deathEdges = Set<Int>()
        for edge in edges {
            let (i, j) = RipsComplex.vertices(ofEdge: edge.index)
            let (a, b) = (find(i), find(j))
            guard a != b else { continue }
            parent[max(a, b)] = min(a, b)
            deathEdges.insert(edge.index)
            if edge.diameter > 0 { bars.append(PersistenceBar(dimension: 0, birth: 0, death: edge.diameter)) }
        }
        let components = (0..<n).filter { find($0) == $0 }.count
        bars += Array(repeating: PersistenceBar(dimension: 0, birth: 0, death: nil), count: components)
        return (bars, deathEdges)
    }
}
