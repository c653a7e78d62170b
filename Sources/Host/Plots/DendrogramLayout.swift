import PluginAPI

/// Where each node of a dendrogram sits: leaves in drawing order (a depth-first walk from each
/// root, so no links cross), each merge centred over its two children at its height. Merges
/// that break the scipy linkage convention (a child that does not exist yet or is used twice,
/// a height that is not finite) make the tree `valid == false`: its leaves are still laid out,
/// in index order, with no links.
struct DendrogramLayout {
    struct Link {
        let left: Int
        let right: Int
        let node: Int
    }

    let leafCount: Int
    /// Leaf indices from left to right.
    let leafOrder: [Int]
    /// Horizontal position of every node in leaf slots (0 = first leaf drawn).
    let position: [Double]
    /// Height of every node (0 for leaves).
    let height: [Double]
    let links: [Link]
    let valid: Bool

    init(leafCount n: Int, merges: [DendrogramFigure.Merge]) {
        leafCount = max(0, n)
        let total = leafCount + merges.count
        var used = [Bool](repeating: false, count: total)
        var ok = true
        for (k, merge) in merges.enumerated() {
            let limit = leafCount + k
            guard merge.left >= 0, merge.right >= 0, merge.left < limit, merge.right < limit, merge.left != merge.right,
                  !used[merge.left], !used[merge.right], merge.height.isFinite else { ok = false; break }
            used[merge.left] = true
            used[merge.right] = true
        }
        valid = ok
        guard ok else {
            leafOrder = Array(0..<leafCount)
            position = (0..<leafCount).map(Double.init)
            height = Array(repeating: 0, count: leafCount)
            links = []
            return
        }
        var heights = [Double](repeating: 0, count: total)
        for (k, merge) in merges.enumerated() { heights[leafCount + k] = merge.height }
        // Depth-first from each root, left child first; an explicit stack keeps deep trees safe.
        var order: [Int] = []
        for root in (0..<total) where !used[root] {
            var stack = [root]
            while let node = stack.popLast() {
                if node < leafCount {
                    order.append(node)
                } else {
                    let merge = merges[node - leafCount]
                    stack.append(merge.right)
                    stack.append(merge.left)
                }
            }
        }
        var positions = [Double](repeating: 0, count: total)
        for (slot, leaf) in order.enumerated() { positions[leaf] = Double(slot) }
        for (k, merge) in merges.enumerated() { positions[leafCount + k] = (positions[merge.left] + positions[merge.right]) / 2 }
        leafOrder = order
        position = positions
        height = heights
        let leaves = leafCount
        links = merges.enumerated().map { Link(left: $1.left, right: $1.right, node: leaves + $0) }
    }
}
