import Foundation

/// A flat, 64-byte-aligned Float32 buffer shared by a tensor and its views.
///
/// Aligned so that OpenBLAS and the vectorised loops start on a cache line. Buffers are
/// zero-filled unless the creator promises to overwrite every element (`zeroed: false`),
/// and large ones are recycled through `StoragePool`: a fresh large allocation is an mmap
/// whose every page faults on first touch, which costs a visible share of a big matmul.
public final class TensorStorage {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    private let capacityBytes: Int

    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let (raw, capacity) = StoragePool.shared.take(bytes: bytes)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        capacityBytes = capacity
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(count: values.count, zeroed: false)
        if let base = values.baseAddress, values.count > 0 {
            pointer.update(from: base, count: values.count)
        } else {
            pointer[0] = 0
        }
    }

    deinit { StoragePool.shared.give(UnsafeMutableRawPointer(pointer), capacity: capacityBytes) }
}

/// Keeps recently freed large buffers (≥ 1 MiB, sizes rounded up to 64 KiB) for reuse, up
/// to `limitBytes` in all. Small buffers go straight to the allocator.
final class StoragePool {
    static let shared = StoragePool()

    static let minimumPooledBytes = 1 << 20
    static let granularity = 1 << 16
    /// Upper bound on memory held idle by the pool.
    var limitBytes = 1 << 30

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var heldBytes = 0

    /// A buffer of at least `bytes` bytes, and its real capacity.
    func take(bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        guard bytes >= Self.minimumPooledBytes else {
            return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        let capacity = (bytes + Self.granularity - 1) / Self.granularity * Self.granularity
        lock.lock()
        if var list = free[capacity], let buffer = list.popLast() {
            free[capacity] = list.isEmpty ? nil : list
            heldBytes -= capacity
            lock.unlock()
            return (buffer, capacity)
        }
        lock.unlock()
        return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64), capacity)
    }

    func give(_ buffer: UnsafeMutableRawPointer, capacity: Int) {
        guard capacity >= Self.minimumPooledBytes else {
            buffer.deallocate()
            return
        }
        lock.lock()
        if heldBytes + capacity <= limitBytes {
            free[capacity, default: []].append(buffer)
            heldBytes += capacity
            lock.unlock()
        } else {
            lock.unlock()
            buffer.deallocate()
        }
    }

    /// Returns every idle buffer to the system (e.g. after loading or a large evaluation).
    func trim() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free = [:]
        heldBytes = 0
        lock.unlock()
        for buffer in buffers { buffer.deallocate() }
    }
}
