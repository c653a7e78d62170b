/// NumPy broadcasting rules: shapes align from the right; two extents combine when they are
/// equal or one of them is 1; a missing leading axis counts as 1.
enum Broadcast {
    /// The broadcast shape of `lhs` and `rhs`, or a shape error naming both.
    static func shape(_ lhs: [Int], _ rhs: [Int], op: String) throws -> [Int] {
        let rank = max(lhs.count, rhs.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let l = i < rank - lhs.count ? 1 : lhs[i - (rank - lhs.count)]
            let r = i < rank - rhs.count ? 1 : rhs[i - (rank - rhs.count)]
            if l == r || r == 1 {
                out[i] = l
            } else if l == 1 {
                out[i] = r
            } else {
                throw TensorError.shapeMismatch(op: op, lhs: lhs, rhs: rhs,
                                                reason: "axis \(i - rank) has extents \(l) and \(r); broadcasting needs equal extents or 1")
            }
        }
        return out
    }

    /// Whether `shape` broadcasts to exactly `target`.
    static func canExpand(_ shape: [Int], to target: [Int]) -> Bool {
        guard shape.count <= target.count, target.allSatisfy({ $0 >= 0 }) else { return false }
        let lead = target.count - shape.count
        for (i, extent) in shape.enumerated() where extent != 1 && extent != target[lead + i] {
            return false
        }
        return true
    }

    /// Strides that read `tensor` as if expanded to `target`: 0 on repeated and new axes.
    static func strides(of tensor: Tensor, expandedTo target: [Int]) -> [Int] {
        let lead = target.count - tensor.rank
        return target.indices.map { axis in
            guard axis >= lead else { return 0 }
            let own = axis - lead
            return tensor.shape[own] == 1 && target[axis] != 1 ? 0 : tensor.strides[own]
        }
    }

    /// When `small` broadcasts against `full` by repeating whole trailing blocks — its shape,
    /// without leading 1s, is a suffix of `full` (a bias `[d]` onto `[n, d]`) — the block length.
    static func trailingBlock(_ small: [Int], of full: [Int]) -> Int? {
        let core = Array(small.drop(while: { $0 == 1 }))
        guard core.count <= full.count, Array(full.suffix(core.count)) == core else { return nil }
        return core.reduce(1, *)
    }

    /// When `small` is `full` with trailing axes set to 1 (a per-row scale `[n, 1]` onto
    /// `[n, d]`), the number of elements of `full` that share each element of `small`.
    static func leadingBlock(_ small: [Int], of full: [Int]) -> Int? {
        let padded = [Int](repeating: 1, count: max(0, full.count - small.count)) + small
        guard padded.count == full.count else { return nil }
        var axis = full.count
        while axis > 0 && padded[axis - 1] == 1 { axis -= 1 }
        guard Array(padded[..<axis]) == Array(full[..<axis]) else { return nil }
        return full[axis...].reduce(1, *)
    }
}

extension Tensor {
    /// Sums a broadcast result back to `target`, a shape that broadcasts to `self.shape` (the
    /// gradient of a broadcasting op with respect to its smaller operand). Differentiable.
    public func sumToShape(_ target: [Int]) throws -> Tensor {
        guard Broadcast.canExpand(target, to: shape) else {
            throw TensorError.shapeMismatch(op: "sumToShape", lhs: shape, rhs: target,
                                            reason: "the target must broadcast to the tensor's shape")
        }
        if target == shape { return self }
        let out: Tensor = try Autograd.noGrad {
            // Merge the extra leading axes into one and sum it, then each repeated axis.
            let lead = rank - target.count
            var reduced = self
            if lead > 0 {
                reduced = try reduced.reshape([shape[..<lead].reduce(1, *)] + Array(shape[lead...]))
                reduced = try reduced.sum(axis: 0)
            }
            for (axis, extent) in target.enumerated() where extent == 1 && reduced.shape[axis] != 1 {
                reduced = try reduced.sum(axis: axis, keepDims: true)
            }
            return try reduced.reshape(target).contiguous().detached()
        }
        let fullShape = shape
        return out.recorded(op: "sumToShape", inputs: [self]) { g in
            [try g.expanded(to: fullShape).contiguous()]
        }
    }
}
