/// Shape views: ops that change how storage is read, never the values.
///
/// Each returns a view sharing `storage` where the layout allows it (reshape of a contiguous
/// tensor, permute, transpose, unsqueeze, squeeze, expand) and otherwise a contiguous copy.
/// Backward closures always return contiguous gradients, as the tape expects.
extension Tensor {
    /// The same elements in row-major order under a new shape. One extent may be `-1`, inferred
    /// from the others. A view sharing storage when `self` is contiguous, else a contiguous copy.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let resolved = try resolvedReshape(newShape)
        return reshapeUnchecked(resolved)
    }

    /// All elements as one axis: `[count]`.
    public func flattened() -> Tensor {
        reshapeUnchecked([count])
    }

    /// Axis `i` of the result is axis `axes[i]` of `self` (a strided view; negative axes count
    /// from the end). `axes` must be a permutation of `0..<rank`.
    public func permuted(_ axes: [Int]) throws -> Tensor {
        guard axes.count == rank else {
            throw TensorError.invalidArgument(op: "permuted", reason: "axes \(axes) must name each of the \(rank) axes of a tensor of shape \(Tensor.describe(shape)) once")
        }
        let resolved = try axes.map { try normalizedAxis($0, op: "permuted") }
        guard Set(resolved).count == rank else {
            throw TensorError.invalidArgument(op: "permuted", reason: "axes \(axes) repeat an axis of a tensor of shape \(Tensor.describe(shape))")
        }
        if resolved == Array(0..<rank) { return self }
        let out = Tensor(shape: resolved.map { shape[$0] }, strides: resolved.map { strides[$0] },
                         offset: offset, storage: storage)
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in resolved.enumerated() { inverse[axis] = position }
        return out.recorded(op: "permuted", inputs: [self]) { g in
            [try g.permuted(inverse).contiguous()]
        }
    }

    /// Swaps axes `a` and `b` (a strided view).
    public func transposed(_ a: Int, _ b: Int) throws -> Tensor {
        let first = try normalizedAxis(a, op: "transposed")
        let second = try normalizedAxis(b, op: "transposed")
        var axes = Array(0..<rank)
        axes.swapAt(first, second)
        return try permuted(axes)
    }

    /// Inserts an axis of extent 1 before position `axis` (`0...rank`; `-1` appends).
    public func unsqueezed(axis: Int) throws -> Tensor {
        let position = axis < 0 ? axis + rank + 1 : axis
        guard position >= 0 && position <= rank else {
            throw TensorError.invalidArgument(op: "unsqueezed", reason: "axis \(axis) is out of range for inserting into a tensor of shape \(Tensor.describe(shape))")
        }
        var newShape = shape
        newShape.insert(1, at: position)
        if isContiguous { return reshapeUnchecked(newShape) }
        var newStrides = strides
        newStrides.insert(position < rank ? strides[position] * shape[position] : 1, at: position)
        let out = Tensor(shape: newShape, strides: newStrides, offset: offset, storage: storage)
        let inputShape = shape
        return out.recorded(op: "unsqueezed", inputs: [self]) { g in [g.reshapeUnchecked(inputShape)] }
    }

    /// Removes `axis`, which must have extent 1.
    public func squeezed(axis: Int) throws -> Tensor {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "squeezed", reason: "a rank-0 tensor has no axis to remove")
        }
        let position = try normalizedAxis(axis, op: "squeezed")
        guard shape[position] == 1 else {
            throw TensorError.invalidShape(op: "squeezed", shape: shape, reason: "axis \(axis) has extent \(shape[position]), not 1")
        }
        var newShape = shape
        newShape.remove(at: position)
        if isContiguous { return reshapeUnchecked(newShape) }
        var newStrides = strides
        newStrides.remove(at: position)
        let out = Tensor(shape: newShape, strides: newStrides, offset: offset, storage: storage)
        let inputShape = shape
        return out.recorded(op: "squeezed", inputs: [self]) { g in [g.reshapeUnchecked(inputShape)] }
    }

    /// A broadcast view of `shape` with NumPy rules: `self`'s axes align with the trailing axes
    /// of `shape`; extent-1 axes and missing leading axes repeat with stride 0. The gradient
    /// sums over the repeated axes. The view must be read, never written.
    public func expanded(to target: [Int]) throws -> Tensor {
        guard Broadcast.canExpand(shape, to: target) else {
            throw TensorError.shapeMismatch(op: "expanded", lhs: shape, rhs: target,
                                            reason: "each axis must equal the target's or be 1, aligned from the right")
        }
        if target == shape { return self }
        let out = Tensor(shape: target, strides: Broadcast.strides(of: self, expandedTo: target),
                         offset: offset, storage: storage)
        let inputShape = shape
        return out.recorded(op: "expanded", inputs: [self]) { g in [try g.sumToShape(inputShape)] }
    }

    // MARK: - Internals

    /// Checks the element count and resolves a `-1` extent.
    func resolvedReshape(_ newShape: [Int]) throws -> [Int] {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape,
                                            reason: "extents must be non-negative, with at most one -1")
        }
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        var resolved = newShape
        if let axis = inferred.first {
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape,
                                                reason: "\(count) elements cannot fill the -1 extent")
            }
            resolved[axis] = count / known
        } else if known != count {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape,
                                            reason: "\(count) elements cannot be viewed as \(known)")
        }
        return resolved
    }

    /// Reshape to a shape already known to hold `count` elements.
    func reshapeUnchecked(_ newShape: [Int]) -> Tensor {
        if newShape == shape { return self }
        let source = isContiguous ? self : contiguousStorageCopy()
        let out = Tensor(shape: newShape, strides: Tensor.contiguousStrides(newShape),
                         offset: source.offset, storage: source.storage)
        let inputShape = shape
        return out.recorded(op: "reshape", inputs: [self]) { g in [g.reshapeUnchecked(inputShape)] }
    }
}
