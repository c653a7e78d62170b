/// The three depth blocks of HierLoRA (METHODS.md, "HierLoRA — Blocks"): with N layers,
/// n = N / 3 and r = N mod 3, Local is the first n + [r > 0] layers, Mid the next
/// n + [r > 1], Global the rest (0-indexed).
public struct HierarchicalBlocks: Equatable {
    /// The block names as `block=` takes them.
    public enum Block: String, CaseIterable {
        case local, mid, global
    }

    public let local: Range<Int>
    public let mid: Range<Int>
    public let global: Range<Int>

    /// The split of `layerCount` layers; at least 3 layers (one per block).
    public static func split(layerCount: Int) throws -> HierarchicalBlocks {
        guard layerCount >= 3 else {
            throw AdapterError("a hierarchical split needs at least 3 layers (one per block); the model has \(layerCount)")
        }
        let n = layerCount / 3, r = layerCount % 3
        let localEnd = n + (r > 0 ? 1 : 0)
        let midEnd = localEnd + n + (r > 1 ? 1 : 0)
        return HierarchicalBlocks(local: 0..<localEnd, mid: localEnd..<midEnd, global: midEnd..<layerCount)
    }

    public subscript(block: Block) -> Range<Int> {
        switch block {
        case .local: return local
        case .mid: return mid
        case .global: return global
        }
    }

    /// "0–9" for a range.
    public static func describe(_ range: Range<Int>) -> String {
        range.isEmpty ? "none" : range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound - 1)"
    }
}
