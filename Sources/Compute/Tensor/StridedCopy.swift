/// Copies between strided views and contiguous buffers — the one place that walks
/// arbitrary strides, so every other kernel can assume row-major memory.
enum StridedCopy {
    /// Writes the elements of `source` (any strides) into `destination` in row-major order.
    static func gather(from source: Tensor, into destination: UnsafeMutablePointer<Float>) {
        walk(shape: source.shape, strides: source.strides) { flat, position in
            destination[flat] = source.storage.pointer[source.offset + position]
        }
    }

    /// Adds row-major `values` into the strided view `target` (used by slice backward).
    static func scatterAdd(_ values: UnsafePointer<Float>, into target: Tensor) {
        walk(shape: target.shape, strides: target.strides) { flat, position in
            target.storage.pointer[target.offset + position] += values[flat]
        }
    }

    /// Calls `body(flatIndex, stridedPosition)` for every element in row-major order,
    /// running the innermost axis as a tight loop.
    static func walk(shape: [Int], strides: [Int], _ body: (Int, Int) -> Void) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        guard let inner = shape.last, let innerStride = strides.last else {
            body(0, 0)
            return
        }
        let outerRank = shape.count - 1
        var index = [Int](repeating: 0, count: outerRank)
        var base = 0
        var flat = 0
        let outerCount = count / inner
        for _ in 0..<outerCount {
            var position = base
            for _ in 0..<inner {
                body(flat, position)
                flat += 1
                position += innerStride
            }
            // Advance the outer multi-index like an odometer.
            var axis = outerRank - 1
            while axis >= 0 {
                index[axis] += 1
                base += strides[axis]
                if index[axis] < shape[axis] { break }
                base -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
