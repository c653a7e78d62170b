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
/// to `limitBytes` in all; small buffers go straight to the allocator. A request takes the
/// smallest idle buffer that holds it with at most a quarter to spare, so training batches of
/// varying length reuse the logits-sized buffers of the step before instead of faulting in
/// fresh pages (the kernel's zeroing then showed as a quarter of a step's time). Over the
/// limit, the buffers idle longest go back to the system.
public final class StoragePool {
    public static let shared = StoragePool(limitBytes: StoragePool.defaultLimit)

    static let minimumPooledBytes = 1 << 20
    static let granularity = 1 << 16
    /// A quarter of physical memory, within 512 MiB – 8 GiB: enough to hold a training step's
    /// activations for the next step (`trim` gives them back when a command ends).
    static var defaultLimit: Int {
        let quarter = Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max)))
        return min(max(quarter, 512 << 20), 8 << 30)
    }

    /// Upper bound on memory held idle by the pool.
    public var limitBytes: Int
    private let lock = NSLock()
    /// Idle buffers, oldest first.
    private var idle: [(buffer: UnsafeMutableRawPointer, capacity: Int)] = []
    private var heldBytes = 0

    public init(limitBytes: Int) { self.limitBytes = limitBytes }

    /// Bytes held idle now.
    public var idleBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return heldBytes
    }

    /// A buffer of at least `bytes` bytes, and its real capacity.
    public func take(bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        guard bytes >= Self.minimumPooledBytes else {
            return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        let capacity = (bytes + Self.granularity - 1) / Self.granularity * Self.granularity
        lock.lock()
        let fitting = idle.indices.filter { idle[$0].capacity >= capacity && idle[$0].capacity <= capacity + capacity / 4 }
        if let best = fitting.min(by: { idle[$0].capacity < idle[$1].capacity }) {
            let entry = idle.remove(at: best)
            heldBytes -= entry.capacity
            lock.unlock()
            return (entry.buffer, entry.capacity)
        }
        lock.unlock()
        return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64), capacity)
    }

    public func give(_ buffer: UnsafeMutableRawPointer, capacity: Int) {
        guard capacity >= Self.minimumPooledBytes else {
            buffer.deallocate()
            return
        }
        lock.lock()
        idle.append((buffer, capacity))
        heldBytes += capacity
        var released: [UnsafeMutableRawPointer] = []
        while heldBytes > limitBytes, !idle.isEmpty {
            let oldest = idle.removeFirst()
            heldBytes -= oldest.capacity
            released.append(oldest.buffer)
        }
        lock.unlock()
        for buffer in released { buffer.deallocate() }
    }

    /// Returns every idle buffer to the system (e.g. after loading or a large evaluation).
    public func trim() {
        lock.lock()
        let buffers = idle.map(\.buffer)
        idle = []
        heldBytes = 0
        lock.unlock()
        for buffer in buffers { buffer.deallocate() }
    }
}
