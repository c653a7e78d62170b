/// H1 of the Rips filtration by persistent cohomology (de Silva–Morozov–Vejdemo-Johansson; the
/// scheme of ripser): the coboundary matrix of edges → triangles is reduced over Z/2, columns
/// (edges) from the last in filtration order to the first, the pivot of a column being its
/// earliest triangle. A pivot pairs edge e with triangle t: an H1 interval [diam e, diam t).
/// A column left empty is a cycle that never dies (possible only under a max radius).
///
/// Two shortcuts keep it to O(edges · n) in practice:
/// - clearing: an edge that killed an H0 component has a zero column, so it is skipped;
/// - apparent pairs: when e's earliest cofacet t has e as its latest facet, no other column can
///   have pivot t, so (e, t) pairs without reduction (a zero-length interval).
extension RipsComplex {
    /// A triangle in the filtration: diameter, then combinatorial index.
    struct Triangle: Comparable {
        var diameter: Double
        var index: Int

        static func < (a: Triangle, b: Triangle) -> Bool {
            a.diameter < b.diameter || (a.diameter == b.diameter && a.index < b.index)
        }
    }

    @inline(__always)
    static func triangleIndex(_ a: Int, _ b: Int, _ c: Int) -> Int {
        // a < b < c: C(c,3) + C(b,2) + a
        c * (c - 1) * (c - 2) / 6 + b * (b - 1) / 2 + a
    }

    /// The triangles {i, j, k} with diameter ≤ maxRadius that contain edge {i, j}.
    func cofacets(_ i: Int, _ j: Int) -> [Triangle] {
        var result: [Triangle] = []
        result.reserveCapacity(n - 2)
        distance.withUnsafeBufferPointer { d in
            let dij = d[i * n + j]
            for k in 0..<n where k != i && k != j {
                let diameter = max(dij, d[i * n + k], d[j * n + k])
                guard diameter <= maxRadius else { continue }
                let sorted = RipsComplex.sorted3(i, j, k)
                result.append(Triangle(diameter: diameter, index: RipsComplex.triangleIndex(sorted.0, sorted.1, sorted.2)))
            }
        }
        return result
    }

    /// The earliest cofacet of edge {i, j}, without building the column: the hot loop (one
    /// scan per edge), so it runs on raw rows of the distance table.
    func earliestCofacet(_ i: Int, _ j: Int) -> Triangle? {
        distance.withUnsafeBufferPointer { d -> Triangle? in
            let rowI = d.baseAddress! + i * n, rowJ = d.baseAddress! + j * n
            let dij = rowI[j]
            var bestDiameter = Double.infinity, bestIndex = Int.max
            for k in 0..<n where k != i && k != j {
                let diameter = Swift.max(dij, Swift.max(rowI[k], rowJ[k]))
                if diameter > maxRadius || diameter > bestDiameter { continue }
                let sorted = RipsComplex.sorted3(i, j, k)
                let index = RipsComplex.triangleIndex(sorted.0, sorted.1, sorted.2)
                if diameter < bestDiameter || index < bestIndex {
                    bestDiameter = diameter
                    bestIndex = index
                }
            }
            return bestIndex == Int.max ? nil : Triangle(diameter: bestDiameter, index: bestIndex)
        }
    }

    @inline(__always)
    static func sorted3(_ x: Int, _ y: Int, _ z: Int) -> (Int, Int, Int) {
        let (a, b) = x < y ? (x, y) : (y, x)
        if z < a { return (z, a, b) }
        if z < b { return (a, z, b) }
        return (a, b, z)
    }

    /// Whether edge `index` (diameter `diameter`) is the latest facet of triangle {a, b, c}.
    func isLatestFacet(_ index: Int, diameter: Double, of t: (Int, Int, Int)) -> Bool {
        func later(_ u: Int, _ v: Int) -> Bool {
            let d = distance[u * n + v]
            return d > diameter || (d == diameter && RipsComplex.edgeIndex(u, v) > index)
        }
        return !later(t.0, t.1) && !later(t.0, t.2) && !later(t.1, t.2)
    }

    /// The H1 intervals, skipping the columns of `cleared` edges.
    func cycleBars(skipping cleared: Set<Int>) -> [PersistenceBar] {
        var bars: [PersistenceBar] = []
        var pivotOwner: [Int: Int] = [:]            // triangle index → edge whose column has it as pivot
        var reducedColumns: [Int: [Triangle]] = [:] // edge → its reduced column, when reduction changed it
        var heap = TriangleHeap()
        for edge in edges.reversed() where !cleared.contains(edge.index) {
            let (i, j) = RipsComplex.vertices(ofEdge: edge.index)
            if let first = earliestCofacet(i, j), first.diameter == edge.diameter,
               pivotOwner[first.index] == nil,
               isLatestFacet(edge.index, diameter: edge.diameter, of: RipsComplex.vertices(ofTriangle: first.index)) {
                pivotOwner[first.index] = edge.index   // apparent pair: zero length, nothing to report
                continue
            }
            heap.removeAll()
            for t in cofacets(i, j) { heap.push(t) }
            var pivot = heap.popPivot()
            while let p = pivot, let owner = pivotOwner[p.index] {
                // Add the owner's reduced column; its pivot cancels p.
                let added = reducedColumns[owner] ?? { let (a, b) = RipsComplex.vertices(ofEdge: owner); return cofacets(a, b) }()
                for t in added where t.index != p.index { heap.push(t) }
                pivot = heap.popPivot()
            }
            guard let p = pivot else {
                bars.append(PersistenceBar(dimension: 1, birth: edge.diameter, death: nil))
                continue
            }
            pivotOwner[p.index] = edge.index
            reducedColumns[edge.index] = [p] + heap.drainCancelling()
            if p.diameter > edge.diameter {
                bars.append(PersistenceBar(dimension: 1, birth: edge.diameter, death: p.diameter))
            }
        }
        return bars
    }

    /// The vertices a < b < c of a triangle index.
    static func vertices(ofTriangle index: Int) -> (Int, Int, Int) {
        var c = 2
        while (c + 1) * c * (c - 1) / 6 <= index { c += 1 }
        let rest = index - c * (c - 1) * (c - 2) / 6
        let (a, b) = vertices(ofEdge: rest)
        return (a, b, c)
    }
}

/// A binary min-heap of triangles holding a Z/2 column: equal entries cancel in pairs.
struct TriangleHeap {
    private var items: [RipsComplex.Triangle] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ t: RipsComplex.Triangle) {
        items.append(t)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() -> RipsComplex.Triangle? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }

    /// The earliest triangle present an odd number of times (removed), or nil when the column is zero.
    mutating func popPivot() -> RipsComplex.Triangle? {
        while let top = pop() {
            var copies = 1
            while let next = items.first, next == top {
                _ = pop()
                copies += 1
            }
            if copies % 2 == 1 { return top }
        }
        return nil
    }

    /// Every remaining entry of the column, in order, with pairs cancelled.
    mutating func drainCancelling() -> [RipsComplex.Triangle] {
        var result: [RipsComplex.Triangle] = []
        while let t = popPivot() { result.append(t) }
        return result
    }
}
