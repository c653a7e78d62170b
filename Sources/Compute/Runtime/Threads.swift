#if canImport(Glibc)
import Glibc
#endif

/// The one thread-count setting (`threads N`) and the one pool that uses it.
///
/// OpenBLAS is always called single-threaded (`BLASGemm.single` sets that before the first
/// product): every parallel split, sgemm's included (`BLASGemm.gemm`), goes through
/// `parallelFor`. Two pools on the same cores cost more than they gave: OpenBLAS's idle
/// workers spin in `sched_yield` for a while after each product, taking the cores the core's
/// own loops (attention, decode, norms) run on next; measured as ~12% of prefill's samples in
/// the kernel's scheduler on 2 cores. The pool's own workers spin only 200 µs after a job
/// (`WorkerPool`), which is what keeps decode's many short splits from waiting on wake-ups.
public enum Threads {
    nonisolated(unsafe) private static var current = 1

    /// Set (non-nil) on a thread while it runs a chunk of `parallelFor`: a nested call then
    /// runs serially instead of asking for more threads than there are cores.
    private static let insideKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether the calling thread is running a chunk of a `parallelFor`.
    public static var isInsideParallelLoop: Bool { pthread_getspecific(insideKey) != nil }

    /// The number of threads in use.
    public static var count: Int { current }

    /// Sets the thread count of `parallelFor` (and so of every kernel). Values below 1 are an error.
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else {
            throw TensorError.invalidArgument(op: "threads", reason: "thread count \(n) must be between 1 and 1024")
        }
        current = n
    }

    /// Splits `0..<total` into at most `count` contiguous chunks of at least `minChunk`
    /// items and runs `body` on each, concurrently when more than one chunk results. Inside
    /// another `parallelFor`'s chunk it runs `body(0..<total)` on the calling thread.
    public static func parallelFor(_ total: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let chunks = max(1, min(current, total / max(minChunk, 1)))
        if chunks == 1 || isInsideParallelLoop {
            body(0..<total)
            return
        }
        let size = (total + chunks - 1) / chunks
        // The calling thread runs chunks too: nested loops in them run serially, as on workers.
        pthread_setspecific(insideKey, marker)
        defer { pthread_setspecific(insideKey, nil) }
        pool.run(chunks: chunks, workers: current - 1) { chunk in
            let start = chunk * size
            let end = min(total, start + size)
            if start < end { body(start..<end) }
        }
    }

    private static let marker = UnsafeMutableRawPointer(bitPattern: 1)
    private static let pool = WorkerPool()

    /// Marks the calling thread (a pool worker) as running `parallelFor` chunks for good.
    static func markInsideParallelLoop() { pthread_setspecific(insideKey, marker) }
}
