import Compute
import XCTest

/// The pool of large buffers: a request reuses the smallest idle buffer that holds it with at
/// most a quarter to spare; small ones bypass it; past the limit the oldest idle go first.
final class StoragePoolTests: XCTestCase {
    private let mib = 1 << 20

    func testReusesTheSmallestBufferThatFitsWithinAQuarterToSpare() {
        let pool = StoragePool(limitBytes: 64 * mib)
        defer { pool.trim() }
        let (big, bigCapacity) = pool.take(bytes: 4 * mib)
        let (small, smallCapacity) = pool.take(bytes: 2 * mib)
        pool.give(big, capacity: bigCapacity)
        pool.give(small, capacity: smallCapacity)
        XCTAssertEqual(pool.idleBytes, 6 * mib)

        // 1.9 MiB fits the 2 MiB buffer (5% spare), not the 4 MiB one.
        let (reused, capacity) = pool.take(bytes: 19 * mib / 10)
        XCTAssertEqual(reused, small)
        XCTAssertEqual(capacity, 2 * mib)
        // 2.5 MiB: the 4 MiB buffer would leave 60% spare, so a new one is made.
        let (fresh, freshCapacity) = pool.take(bytes: 5 * mib / 2)
        XCTAssertNotEqual(fresh, big)
        XCTAssertEqual(freshCapacity, 5 * mib / 2)
        XCTAssertEqual(pool.idleBytes, 4 * mib, "only the 4 MiB buffer is still idle")
        pool.give(reused, capacity: capacity)
        pool.give(fresh, capacity: freshCapacity)
    }

    func testSmallBuffersBypassThePool() {
        let pool = StoragePool(limitBytes: 64 * mib)
        let (buffer, capacity) = pool.take(bytes: 1000)
        XCTAssertEqual(capacity, 1000)
        pool.give(buffer, capacity: capacity)
        XCTAssertEqual(pool.idleBytes, 0)
    }

    func testOverTheLimitTheOldestIdleBuffersAreReleased() {
        let pool = StoragePool(limitBytes: 5 * mib)
        defer { pool.trim() }
        let (first, c1) = pool.take(bytes: 2 * mib)
        let (second, c2) = pool.take(bytes: 2 * mib)
        let (third, c3) = pool.take(bytes: 2 * mib)
        pool.give(first, capacity: c1)
        pool.give(second, capacity: c2)
        XCTAssertEqual(pool.idleBytes, 4 * mib)
        pool.give(third, capacity: c3)                    // 6 MiB > 5: `first` goes
        XCTAssertEqual(pool.idleBytes, 4 * mib)
        let (a, _) = pool.take(bytes: 2 * mib)
        let (b, _) = pool.take(bytes: 2 * mib)
        XCTAssertEqual(Set([a, b]), Set([second, third]), "the two most recent stay idle")
        XCTAssertEqual(pool.idleBytes, 0)
        pool.give(a, capacity: 2 * mib)
        pool.give(b, capacity: 2 * mib)
    }
}
