import Foundation

/// A flat, 64-byte-aligned Float32 buffer shared by a tensor and its views.
///
/// Aligned so that OpenBLAS and the vectorised loops start on a cache line; zero-filled
/// on allocation so that a freshly made tensor never exposes stale memory.
public final class TensorStorage {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(count: values.count)
        if let base = values.baseAddress, values.count > 0 {
            pointer.update(from: base, count: values.count)
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
