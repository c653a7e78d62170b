/// A candidate merge of two adjacent symbols, ordered by priority then position, so the
/// best-ranked pair is merged first and ties go to the leftmost pair.
struct MergeCandidate {
    var priority: Float  // lower merges first
    var left: Int32
    var right: Int32
    var leftID: Int32
    var rightID: Int32
    var merged: Int32

    @inline(__always)
    static func precedes(_ a: MergeCandidate, _ b: MergeCandidate) -> Bool {
        a.priority < b.priority || (a.priority == b.priority && a.left < b.left)
    }
}

/// A binary min-heap of merge candidates; stale entries are skipped by the caller on pop.
struct MergeQueue {
    private var heap: [MergeCandidate] = []

    var isEmpty: Bool { heap.isEmpty }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    mutating func push(_ c: MergeCandidate) {
        heap.append(c)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard MergeCandidate.precedes(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> MergeCandidate? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < n && MergeCandidate.precedes(heap[l], heap[best]) { best = l }
                if r < n && MergeCandidate.precedes(heap[r], heap[best]) { best = r }
                if best == i { break }
                heap.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}

/// Symbols of one word as a doubly linked list over an array; merging folds the right
/// symbol into the left one. `pairLookup(leftID, rightID)` gives (priority, merged id).
struct SymbolMerger {
    private var ids: [Int32] = []
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var queue = MergeQueue()

    mutating func merge(_ initial: [Int32],
                        pairLookup: (Int32, Int32) -> (priority: Float, merged: Int32)?) -> [Int32] {
        let n = initial.count
        if n < 2 { return initial }
        ids = initial
        prev = (0..<n).map { Int32($0) - 1 }
        next = (0..<n).map { $0 + 1 < n ? Int32($0 + 1) : -1 }
        queue.removeAll()

        func consider(_ l: Int32, _ r: Int32) {
            guard l >= 0, r >= 0 else { return }
            if let hit = pairLookup(ids[Int(l)], ids[Int(r)]) {
                queue.push(MergeCandidate(priority: hit.priority, left: l, right: r,
                                          leftID: ids[Int(l)], rightID: ids[Int(r)], merged: hit.merged))
            }
        }
        for i in 0..<(n - 1) { consider(Int32(i), Int32(i + 1)) }

        while let c = queue.pop() {
            let l = Int(c.left), r = Int(c.right)
            // Skip candidates made stale by earlier merges.
            guard ids[l] == c.leftID, ids[r] == c.rightID, next[l] == c.right else { continue }
            ids[l] = c.merged
            ids[r] = -1
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = c.left }
            consider(prev[l], c.left)
            consider(c.left, next[l])
        }
        var out: [Int32] = []
        var i: Int32 = 0
        while i >= 0 {
            out.append(ids[Int(i)])
            i = next[Int(i)]
        }
        return out
    }
}
