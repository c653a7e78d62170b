/// Slicing and joining: `slice`, `select`, `split` (views sharing storage), `concat` and
/// `indexSelect` (fresh tensors). The gradient of a view is copied into zeros of the input's
/// shape; that of `concat` is one slice of the incoming gradient per input.
extension Tensor {
    /// Elements `range` of `axis`, the other axes whole: a strided view sharing storage.
    /// `[batch, seq, d].slice(axis: 1, range: 0..<k)` is the first k positions.
    public func slice(axis: Int, range: Range<Int>) throws -> Tensor {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "slice", reason: "a rank-0 tensor cannot be sliced")
        }
        let resolved = try normalizedAxis(axis, op: "slice")
        guard range.lowerBound >= 0 && range.upperBound <= shape[resolved] else {
            throw TensorError.invalidArgument(op: "slice", reason: "range \(range) is out of bounds for axis \(axis) of a tensor of shape \(Tensor.describe(shape))")
        }
        if range.count == shape[resolved] { return self }
        var newShape = shape
        newShape[resolved] = range.count
        return stridedView(shape: newShape, strides: strides,
                           offset: offset + range.lowerBound * strides[resolved], op: "slice",
                           axis: resolved, lower: range.lowerBound, width: range.count)
    }

    /// Element `index` of `axis` with that axis removed (a view); negative indices count from
    /// the end. `[batch, seq, d].select(axis: 1, index: -1)` is the last position, `[batch, d]`.
    public func select(axis: Int, index: Int) throws -> Tensor {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "select", reason: "a rank-0 tensor has no axis to select from")
        }
        let resolved = try normalizedAxis(axis, op: "select")
        let position = index < 0 ? index + shape[resolved] : index
        guard position >= 0 && position < shape[resolved] else {
            throw TensorError.invalidArgument(op: "select", reason: "index \(index) is out of bounds for axis \(axis) of a tensor of shape \(Tensor.describe(shape))")
        }
        var newShape = shape, newStrides = strides
        newShape.remove(at: resolved)
        newStrides.remove(at: resolved)
        return stridedView(shape: newShape, strides: newStrides,
                           offset: offset + position * strides[resolved], op: "select",
                           axis: resolved, lower: position, width: 1)
    }

    /// Consecutive pieces of `axis` with the given extents (views), which must add up to the
    /// axis's extent.
    public func split(axis: Int, sizes: [Int]) throws -> [Tensor] {
        let resolved = try normalizedAxis(axis, op: "split")
        guard rank > 0, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[resolved] else {
            throw TensorError.invalidArgument(op: "split", reason: "sizes \(sizes) must be non-negative and add up to \(rank > 0 ? shape[resolved] : 0), the extent of axis \(axis) of a tensor of shape \(Tensor.describe(shape))")
        }
        var start = 0
        return try sizes.map { size in
            defer { start += size }
            return try slice(axis: resolved, range: start..<(start + size))
        }
    }

    /// Joins `tensors` along `axis`; all other extents must agree. A fresh contiguous tensor.
    /// `concat([prompt, x], axis: 1)` prepends `[batch, p, d]` to `[batch, seq, d]`.
    public static func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "concat", reason: "needs at least one tensor")
        }
        guard first.rank > 0 else {
            throw TensorError.invalidArgument(op: "concat", reason: "rank-0 tensors have no axis to join along")
        }
        let resolved = try first.normalizedAxis(axis, op: "concat")
        for tensor in tensors.dropFirst() {
            var a = first.shape, b = tensor.shape
            if a.count == b.count { a[resolved] = 0; b[resolved] = 0 }
            guard a == b else {
                throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: tensor.shape,
                                                reason: "all extents except axis \(axis) must agree")
            }
        }
        var outShape = first.shape
        outShape[resolved] = tensors.reduce(0) { $0 + $1.shape[resolved] }
        let out = Tensor(uninitialized: outShape)    // every element is one input's
        let outer = first.shape[..<resolved].reduce(1, *)
        let inner = first.shape[(resolved + 1)...].reduce(1, *)
        // Each input contributes one block of `extent · inner` per outer index.
        let blocks = tensors.map { $0.shape[resolved] * inner }
        let rowLength = blocks.reduce(0, +)
        var column = 0
        for (tensor, block) in zip(tensors, blocks) {
            let source = tensor.isContiguous ? tensor : tensor.contiguousStorageCopy()
            let src = source.data, dst = out.data + column
            if block > 0 {
                for o in 0..<outer { (dst + o * rowLength).update(from: src + o * block, count: block) }
            }
            column += block
        }
        let shapes = tensors.map(\.shape)
        let needed = tensors.map(\.requiresGrad)
        return out.recorded(op: "concat", inputs: tensors) { g in
            var column = 0
            return zip(shapes, zip(blocks, needed)).map { shape, info in
                let (block, needsGrad) = info
                defer { column += block }
                guard needsGrad else { return nil }
                let gx = Tensor(uninitialized: shape)    // every element is copied from g
                if block > 0 {
                    for o in 0..<outer { (gx.data + o * block).update(from: g.data + o * rowLength + column, count: block) }
                }
                return gx
            }
        }
    }

    /// Gathers entries `indices` (repeats allowed) of `axis`: the result has extent
    /// `indices.count` there. The gradient scatter-adds, so repeated rows accumulate.
    /// `table.indexSelect(axis: 0, indices: ids)` gathers rows of `[vocab, d]` into `[k, d]`.
    public func indexSelect(axis: Int, indices: [Int]) throws -> Tensor {
        guard rank > 0 else {
            throw TensorError.invalidArgument(op: "indexSelect", reason: "a rank-0 tensor has no axis to index")
        }
        let resolved = try normalizedAxis(axis, op: "indexSelect")
        let n = shape[resolved]
        if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
            throw TensorError.invalidArgument(op: "indexSelect", reason: "index \(bad) is out of bounds for axis \(axis) of a tensor of shape \(Tensor.describe(shape))")
        }
        let outer = shape[..<resolved].reduce(1, *)
        let inner = shape[(resolved + 1)...].reduce(1, *)
        var outShape = shape
        outShape[resolved] = indices.count
        let source = isContiguous ? self : contiguousStorageCopy()
        let out = inner > 0 ? Tensor(uninitialized: outShape) : Tensor(zeros: outShape)   // every row is copied
        let k = indices.count
        if inner > 0 {
            for o in 0..<outer {
                for (row, index) in indices.enumerated() {
                    (out.data + (o * k + row) * inner).update(from: source.data + (o * n + index) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return out.recorded(op: "indexSelect", inputs: [self]) { g in
            let gx = Tensor(zeros: inputShape)
            guard inner > 0 else { return [gx] }
            for o in 0..<outer {
                for (row, index) in indices.enumerated() {
                    let dst = gx.data + (o * n + index) * inner, src = g.data + (o * k + row) * inner
                    for j in 0..<inner { dst[j] += src[j] }
                }
            }
            return [gx]
        }
    }

    /// A view into `storage` whose gradient is copied into zeros of the input's shape at the
    /// same place: the input is `[outer, n, inner]` around `axis` and the view covers entries
    /// `lower..<lower + width` of `n`, so each outer index takes one contiguous block.
    private func stridedView(shape newShape: [Int], strides newStrides: [Int], offset newOffset: Int, op: String,
                             axis: Int, lower: Int, width: Int) -> Tensor {
        let out = Tensor(shape: newShape, strides: newStrides, offset: newOffset, storage: storage)
        let inputShape = shape
        let (outer, n, inner) = (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
        let block = width * inner
        return out.recorded(op: op, inputs: [self]) { g in
            let gx = Tensor(zeros: inputShape)
            if block > 0 {
                for o in 0..<outer {
                    (gx.data + (o * n + lower) * inner).update(from: g.data + o * block, count: block)
                }
            }
            return [gx]
        }
    }
}
