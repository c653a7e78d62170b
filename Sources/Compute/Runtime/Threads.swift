import COpenBLAS
import Dispatch

/// The one thread-count setting (`threads N`): it governs OpenBLAS and the core's own
/// parallel loops alike, so that a benchmark at "2 threads" means the same everywhere.
public enum Threads {
    nonisolated(unsafe) private static var current = 1

    /// The number of threads in use.
    public static var count: Int { current }

    /// Sets the thread count for OpenBLAS and `parallelFor`. Values below 1 are an error.
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else {
            throw TensorError.invalidArgument(op: "threads", reason: "thread count \(n) must be between 1 and 1024")
        }
        current = n
        openblas_set_num_threads(Int32(n))
    }

    /// Splits `0..<total` into at most `count` contiguous chunks of at least `minChunk`
    /// items and runs `body` on each, concurrently when more than one chunk results.
    public static func parallelFor(_ total: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let chunks = max(1, min(current, total / max(minChunk, 1)))
        if chunks == 1 {
            body(0..<total)
            return
        }
        let size = (total + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * size
            let end = min(total, start + size)
            if start < end { body(start..<end) }
        }
    }
}
