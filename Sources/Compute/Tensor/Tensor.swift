/// An n-dimensional Float32 array with an optional place in the autograd graph.
///
/// Storage is shared between a tensor and its views (reshape of a contiguous tensor,
/// transpose, permute, slicing): a view differs only in `shape`, `strides` and `offset`.
/// Kernels read contiguous memory; they call `contiguous()` first, which is free when the
/// tensor already is. Tensors are reference types because the graph, gradients and
/// optimiser state all refer to the same parameter object.
public final class Tensor {
    /// Extent of each axis, outermost first.
    public let shape: [Int]
    /// Elements to step in storage per unit of each axis (row-major when contiguous).
    public let strides: [Int]
    /// Index of element [0, 0, …] in `storage`.
    public let offset: Int
    public let storage: TensorStorage

    /// A leaf with `requiresGrad` receives `.grad` from `backward()`; a derived tensor has it
    /// set when any input requires a gradient.
    public var requiresGrad: Bool
    /// The accumulated gradient (leaves, and tensors marked with `retainGrad()`).
    public var grad: Tensor?
    /// Optional name, e.g. `dham.stage2.prompt` (STYLE §4); shown in errors and reports.
    public var name: String?

    /// The operation that produced this tensor, when it was recorded on the tape.
    var gradNode: GradNode?
    var retainsGrad = false

    /// A view (or the owner) of `storage`. Callers guarantee the shape fits the storage.
    public init(shape: [Int], strides: [Int], offset: Int, storage: TensorStorage) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.storage = storage
        self.requiresGrad = false
    }

    /// A new zero-filled contiguous tensor.
    public convenience init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in \(shape)")
        let count = shape.reduce(1, *)
        self.init(shape: shape, strides: Tensor.contiguousStrides(shape), offset: 0,
                  storage: TensorStorage(count: count))
    }

    /// A new contiguous tensor whose elements the caller will all overwrite before reading
    /// (kernel outputs written with beta = 0): skips the zero fill.
    public convenience init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in \(shape)")
        self.init(shape: shape, strides: Tensor.contiguousStrides(shape), offset: 0,
                  storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
    }

    /// A contiguous tensor holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidShape(op: "Tensor(shape:scalars:)", shape: shape, reason: "extents must be non-negative")
        }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw TensorError.invalidShape(op: "Tensor(shape:scalars:)", shape: shape,
                                           reason: "it holds \(count) elements but \(scalars.count) scalars were given")
        }
        let storage = scalars.withUnsafeBufferPointer { TensorStorage(copying: $0) }
        self.init(shape: shape, strides: Tensor.contiguousStrides(shape), offset: 0, storage: storage)
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float) {
        self.init(zeros: [])
        storage.pointer[0] = scalar
    }

    // MARK: - Shape facts

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    public var isContiguous: Bool { strides == Tensor.contiguousStrides(shape) }

    /// Pointer to element [0, …]; only meaningful as a flat array when `isContiguous`.
    public var data: UnsafeMutablePointer<Float> { storage.pointer + offset }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= Swift.max(shape[axis], 1)
        }
        return strides
    }

    /// `[2, 3, 4]` style rendering used in error messages.
    public static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// Resolves a possibly negative axis (`-1` is the last) against `rank`.
    public func normalizedAxis(_ axis: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0 && resolved < Swift.max(rank, 1) else {
            throw TensorError.invalidArgument(op: op, reason: "axis \(axis) is out of range for a tensor of shape \(Tensor.describe(shape))")
        }
        return resolved
    }

    // MARK: - Reading values

    /// All elements in row-major order (a copy).
    public var scalars: [Float] {
        let source = contiguousStorageCopy()
        return Array(UnsafeBufferPointer(start: source.data, count: count))
    }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else {
            throw TensorError.invalidShape(op: "item", shape: shape, reason: "item() needs exactly one element")
        }
        return storage.pointer[offset]
    }

    /// Element at a full multi-index (bounds-checked; for tests and small reads).
    public func value(at index: [Int]) throws -> Float {
        guard index.count == rank else {
            throw TensorError.invalidArgument(op: "value(at:)", reason: "index \(index) has \(index.count) components for a tensor of shape \(Tensor.describe(shape))")
        }
        var position = offset
        for (axis, i) in index.enumerated() {
            guard i >= 0 && i < shape[axis] else {
                throw TensorError.invalidArgument(op: "value(at:)", reason: "index \(index) is out of bounds for shape \(Tensor.describe(shape))")
            }
            position += i * strides[axis]
        }
        return storage.pointer[position]
    }

    // MARK: - Layout

    /// This tensor if contiguous, else a contiguous copy (gradient flows through).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = contiguousStorageCopy()
        return out.recorded(op: "contiguous", inputs: [self]) { g in [g] }
    }

    /// A contiguous copy of the values, off the graph.
    func contiguousStorageCopy() -> Tensor {
        if isContiguous {
            let out = Tensor(zeros: shape)
            if count > 0 { out.data.update(from: data, count: count) }
            return out
        }
        let out = Tensor(zeros: shape)
        StridedCopy.gather(from: self, into: out.data)
        return out
    }

    /// The same values, detached from the graph (shares storage).
    public func detached() -> Tensor {
        Tensor(shape: shape, strides: strides, offset: offset, storage: storage)
    }

    /// A contiguous deep copy detached from the graph.
    public func copy() -> Tensor {
        let out = contiguousStorageCopy()
        out.name = name
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        let more = count > 8 ? ", …" : ""
        return "Tensor\(Tensor.describe(shape))(\(head)\(more))"
    }
}
