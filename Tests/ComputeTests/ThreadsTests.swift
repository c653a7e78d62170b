import Compute
import Foundation
import XCTest

/// The one pool: `parallelFor` splits work, a nested call runs on its caller's thread, and
/// products split by `BLASGemm` (through `matmul`) agree with the single-threaded ones.
final class ThreadsTests: XCTestCase {
    private var previous = 1
    override func setUpWithError() throws { previous = Threads.count }
    override func tearDownWithError() throws { try Threads.set(previous) }

    func testChunksCoverTheRangeOnceAndNestedLoopsRunSerially() throws {
        try Threads.set(2)
        XCTAssertFalse(Threads.isInsideParallelLoop)
        let lock = NSLock()
        var seen: [Int] = [], innerChunks: [Range<Int>] = [], insideFlags: [Bool] = []
        Threads.parallelFor(100, minChunk: 10) { outer in
            let inside = Threads.isInsideParallelLoop
            var chunks: [Range<Int>] = []
            Threads.parallelFor(50, minChunk: 1) { chunks.append($0) }   // serial, so no lock
            lock.lock()
            seen += Array(outer)
            innerChunks += chunks
            insideFlags.append(inside)
            lock.unlock()
        }
        XCTAssertEqual(seen.sorted(), Array(0..<100))
        XCTAssertEqual(insideFlags, [true, true], "two chunks, each marked as inside the loop")
        XCTAssertEqual(innerChunks, [0..<50, 0..<50], "a nested loop is one chunk on the caller's thread")
        XCTAssertFalse(Threads.isInsideParallelLoop, "the calling thread's mark is restored")
    }

    func testSplitProductsEqualSingleThreadedOnes() throws {
        var generator = SeededGenerator(seed: 3)
        // Tall (split by rows of c) and wide (split by columns), with a transposed operand.
        for (m, n, k) in [(300, 40, 70), (20, 500, 90)] {
            let a = Tensor.randn([m, k], generator: &generator)
            let b = Tensor.randn([n, k], generator: &generator)
            try Threads.set(1)
            let single = try matmul(a, b, transposeB: true).scalars
            try Threads.set(3)
            let split = try matmul(a, b, transposeB: true).scalars
            // Each share is the same product on its rows or columns; kernels at a share's edge
            // may order the k sum differently, so equal to rounding.
            assertClose(split, single, atol: 1e-5, rtol: 1e-5, "m=\(m) n=\(n) k=\(k)")
        }
    }
}
