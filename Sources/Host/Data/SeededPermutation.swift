import Compute

/// Deterministic shuffles from a seed.
///
/// Swift's `shuffle(using:)` may change its algorithm between releases, which would change
/// every recorded notebook; this Fisher–Yates with unbiased bounded draws is fixed here.
public enum SeededPermutation {
    /// A permutation of `0..<count` determined by `seed`.
    public static func make(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<max(count, 0))
        var generator = SeededGenerator(seed: seed)
        var i = order.count - 1
        while i > 0 {
            let j = Int(bounded(UInt64(i + 1), &generator))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// The seed of epoch `epoch`'s shuffle in a run seeded with `seed`: every epoch gets an
    /// unrelated order that depends on nothing else, so a resumed run replays it exactly.
    public static func epochSeed(_ seed: UInt64, epoch: Int) -> UInt64 {
        seed ^ (UInt64(truncatingIfNeeded: epoch + 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Uniform in `0..<bound` by rejection of the biased low range.
    private static func bounded(_ bound: UInt64, _ generator: inout SeededGenerator) -> UInt64 {
        let threshold = (0 &- bound) % bound
        while true {
            let draw = generator.next()
            if draw >= threshold { return draw % bound }
        }
    }
}
