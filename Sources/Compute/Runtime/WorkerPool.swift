import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The threads behind `Threads.parallelFor`: persistent workers that spin briefly between jobs
/// before they sleep.
///
/// Decode runs hundreds of fork-joins per token, each only tens of microseconds of work. Waking a
/// parked thread for each (what `DispatchQueue.concurrentPerform` does) costs about as much as
/// the work on a virtual machine: one 576×576 Q4_1 product at one row took 61 µs on one thread
/// and 85 µs on two. A worker that is still spinning from the last job starts within a
/// microsecond; one that has slept is woken, and meanwhile the caller claims chunks itself.
///
/// Publishing a job is a seqlock: `generation` is odd while the caller writes the job's fields,
/// and the caller writes only once no worker is inside the previous job (`entered` is 0).
final class WorkerPool: @unchecked Sendable {
    /// How long an idle worker spins before it sleeps (nanoseconds).
    static let spinNanoseconds: UInt64 = 200_000

    private let generation = Atomic<Int>(0)
    private let entered = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let doneChunks = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var submitting = pthread_mutex_t()

    // The job: written only while `generation` is odd and no worker is inside.
    private var job: ((Int) -> Void)?
    private var chunkCount = 0

    private var workerCount = 0   // guarded by `submitting`

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        pthread_mutex_init(&submitting, nil)
    }

    /// Starts workers until there are `count` (under `submitting`, so callers on two threads
    /// do not both start them).
    private func ensureWorkers(_ count: Int) {
        while workerCount < count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let status = pthread_create(&thread, nil, { context in
                let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
                pool.workerLoop()
                return nil
            }, context)
            precondition(status == 0, "WorkerPool: pthread_create failed (\(status))")
            pthread_detach(thread)
            workerCount += 1
        }
    }

    /// Runs `chunk(i)` for every i in 0..<chunks on `workers` workers (started on first need)
    /// and the calling thread; returns when all have run. One job at a time: concurrent callers
    /// wait their turn.
    func run(chunks: Int, workers: Int, _ chunk: (Int) -> Void) {
        pthread_mutex_lock(&submitting)
        defer { pthread_mutex_unlock(&submitting) }
        ensureWorkers(workers)
        withoutActuallyEscaping(chunk) { chunk in
            let published = generation.load(ordering: .sequentiallyConsistent) + 2
            generation.store(published - 1, ordering: .sequentiallyConsistent)     // odd: writing
            while entered.load(ordering: .sequentiallyConsistent) != 0 { spinPause() }
            job = chunk
            chunkCount = chunks
            nextChunk.store(0, ordering: .sequentiallyConsistent)
            doneChunks.store(0, ordering: .sequentiallyConsistent)
            generation.store(published, ordering: .sequentiallyConsistent)         // even: ready
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wake)
                pthread_mutex_unlock(&mutex)
            }
            claimChunks(chunk, count: chunks)
            while doneChunks.load(ordering: .sequentiallyConsistent) < chunks { spinPause() }
            // Keep no reference to the caller's closure past its lifetime.
            generation.store(published + 1, ordering: .sequentiallyConsistent)
            while entered.load(ordering: .sequentiallyConsistent) != 0 { spinPause() }
            job = nil
            generation.store(published + 2, ordering: .sequentiallyConsistent)
        }
    }

    private func claimChunks(_ chunk: (Int) -> Void, count: Int) {
        while true {
            let index = nextChunk.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
            guard index < count else { return }
            chunk(index)
            doneChunks.wrappingAdd(1, ordering: .sequentiallyConsistent)
        }
    }

    private func workerLoop() {
        Threads.markInsideParallelLoop()
        var seen = 0
        while true {
            let current = waitForJob(after: seen)
            entered.wrappingAdd(1, ordering: .sequentiallyConsistent)
            participate(in: current)
            entered.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            seen = current
        }
    }

    /// Claims chunks of job `current` unless another has begun since (the job changed between
    /// reading `generation` and entering). Not inlined, so that the worker's reference to the
    /// caller's closure is gone before it leaves (`entered` goes down): the caller's
    /// `withoutActuallyEscaping` checks that nothing kept it.
    @inline(never)
    private func participate(in current: Int) {
        guard generation.load(ordering: .sequentiallyConsistent) == current, let job else { return }
        claimChunks(job, count: chunkCount)
    }

    /// The generation of a published job other than `seen`: spinning for a while, then asleep.
    private func waitForJob(after seen: Int) -> Int {
        var start: UInt64 = 0
        var spins = 0
        while true {
            let current = generation.load(ordering: .sequentiallyConsistent)
            if Self.isPublished(current, after: seen) { return current }
            spins += 1
            if spins & 255 != 0 {
                spinPause()
                continue
            }
            let now = monotonicNanoseconds()
            if start == 0 { start = now }
            if now - start < Self.spinNanoseconds { continue }
            pthread_mutex_lock(&mutex)
            sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
            while true {
                if Self.isPublished(generation.load(ordering: .sequentiallyConsistent), after: seen) { break }
                pthread_cond_wait(&wake, &mutex)
            }
            sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            pthread_mutex_unlock(&mutex)
            start = 0
        }
    }

    /// Whether `generation` is a published job (even) other than the one seen last.
    private static func isPublished(_ generation: Int, after seen: Int) -> Bool {
        generation != seen && generation % 2 == 0
    }
}

@inline(__always)
private func spinPause() { strata_cpu_relax() }

private func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
