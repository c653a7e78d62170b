/// Broadcasting binary arithmetic: `+ - * /` between tensors (throwing on incompatible
/// shapes), tensor–scalar forms (never throwing), `maximum` and `minimum`.
///
/// The forward pass picks the cheapest loop for the operand layout: same shape, one side a
/// single value, a trailing block (bias `[d]` onto `[n, d]`), a leading block (`[n, 1]` onto
/// `[n, d]`); anything else materialises both operands at the output shape first.

/// The binary operations with a dedicated loop, switched on outside the loops so each loop
/// is a literal the optimiser vectorises.
enum BinaryOp {
    case add, subtract, multiply, divide, maximum, minimum

    var name: String {
        switch self {
        case .add: return "add"
        case .subtract: return "subtract"
        case .multiply: return "multiply"
        case .divide: return "divide"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        }
    }

    /// out[i] = a[i] ∘ b[i]
    func apply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .add: for i in 0..<n { out[i] = a[i] + b[i] }
        case .subtract: for i in 0..<n { out[i] = a[i] - b[i] }
        case .multiply: for i in 0..<n { out[i] = a[i] * b[i] }
        case .divide: for i in 0..<n { out[i] = a[i] / b[i] }
        case .maximum: for i in 0..<n { out[i] = Swift.max(a[i], b[i]) }
        case .minimum: for i in 0..<n { out[i] = Swift.min(a[i], b[i]) }
        }
    }

    /// out[i] = a[i] ∘ b
    func apply(_ a: UnsafePointer<Float>, scalar b: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .add: for i in 0..<n { out[i] = a[i] + b }
        case .subtract: for i in 0..<n { out[i] = a[i] - b }
        case .multiply: for i in 0..<n { out[i] = a[i] * b }
        case .divide: for i in 0..<n { out[i] = a[i] / b }
        case .maximum: for i in 0..<n { out[i] = Swift.max(a[i], b) }
        case .minimum: for i in 0..<n { out[i] = Swift.min(a[i], b) }
        }
    }

    /// out[i] = a ∘ b[i]
    func apply(scalar a: Float, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .add: for i in 0..<n { out[i] = a + b[i] }
        case .subtract: for i in 0..<n { out[i] = a - b[i] }
        case .multiply: for i in 0..<n { out[i] = a * b[i] }
        case .divide: for i in 0..<n { out[i] = a / b[i] }
        case .maximum: for i in 0..<n { out[i] = Swift.max(a, b[i]) }
        case .minimum: for i in 0..<n { out[i] = Swift.min(a, b[i]) }
        }
    }
}

/// Element counts below this run on one thread: splitting costs more than it saves.
let elementwiseParallelChunk = 1 << 15

enum ElementwiseKernel {
    /// `lhs ∘ rhs` with broadcasting, as a fresh contiguous tensor off the graph.
    static func binary(_ op: BinaryOp, _ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        let shape = try Broadcast.shape(lhs.shape, rhs.shape, op: op.name)
        let out = Tensor(zeros: shape)
        let n = out.count
        guard n > 0 else { return out }
        let a = lhs.isContiguous ? lhs : lhs.contiguousStorageCopy()
        let b = rhs.isContiguous ? rhs : rhs.contiguousStorageCopy()
        let pa = UnsafePointer(a.data), pb = UnsafePointer(b.data), po = out.data

        if a.shape == shape && b.shape == shape {
            Threads.parallelFor(n, minChunk: elementwiseParallelChunk) { r in
                op.apply(pa + r.lowerBound, pb + r.lowerBound, po + r.lowerBound, r.count)
            }
        } else if b.count == 1 && a.shape == shape {
            let value = pb[0]
            Threads.parallelFor(n, minChunk: elementwiseParallelChunk) { r in
                op.apply(pa + r.lowerBound, scalar: value, po + r.lowerBound, r.count)
            }
        } else if a.count == 1 && b.shape == shape {
            let value = pa[0]
            Threads.parallelFor(n, minChunk: elementwiseParallelChunk) { r in
                op.apply(scalar: value, pb + r.lowerBound, po + r.lowerBound, r.count)
            }
        } else if a.shape == shape, let block = Broadcast.trailingBlock(b.shape, of: shape) {
            rowsLoop(n / block, block: block) { row in
                op.apply(pa + row * block, pb, po + row * block, block)
            }
        } else if b.shape == shape, let block = Broadcast.trailingBlock(a.shape, of: shape) {
            rowsLoop(n / block, block: block) { row in
                op.apply(pa, pb + row * block, po + row * block, block)
            }
        } else if a.shape == shape, let block = Broadcast.leadingBlock(b.shape, of: shape) {
            rowsLoop(n / block, block: block) { row in
                op.apply(pa + row * block, scalar: pb[row], po + row * block, block)
            }
        } else if b.shape == shape, let block = Broadcast.leadingBlock(a.shape, of: shape) {
            rowsLoop(n / block, block: block) { row in
                op.apply(scalar: pa[row], pb + row * block, po + row * block, block)
            }
        } else {
            general(op, a, b, shape, po)
        }
        return out
    }

    /// Any broadcast of contiguous `a` and `b`: walks the output in row-major order with each
    /// operand's strides (0 on broadcast axes), after merging adjacent axes that both operands
    /// step through alike, so the innermost run is as long as the layout allows.
    static func general(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ shape: [Int], _ po: UnsafeMutablePointer<Float>) {
        let sa = Broadcast.strides(of: a, expandedTo: shape), sb = Broadcast.strides(of: b, expandedTo: shape)
        var dims: [(extent: Int, sa: Int, sb: Int)] = []
        for axis in shape.indices where shape[axis] != 1 {
            if let last = dims.last, last.sa == sa[axis] * shape[axis], last.sb == sb[axis] * shape[axis] {
                dims[dims.count - 1] = (last.extent * shape[axis], sa[axis], sb[axis])
            } else {
                dims.append((shape[axis], sa[axis], sb[axis]))
            }
        }
        let inner = dims.popLast() ?? (extent: 1, sa: 0, sb: 0)
        let pa = UnsafePointer(a.data), pb = UnsafePointer(b.data)
        var index = [Int](repeating: 0, count: dims.count)
        var offsetA = 0, offsetB = 0, out = po
        let rows = dims.reduce(1) { $0 * $1.extent }
        for _ in 0..<rows {
            // Contiguous inputs leave only strides 1 (stepped) or 0 (repeated) innermost.
            switch (inner.sa, inner.sb) {
            case (0, 0): op.apply(scalar: pa[offsetA], pb + offsetB, out, 1)
                out.update(repeating: out[0], count: inner.extent)
            case (0, _): op.apply(scalar: pa[offsetA], pb + offsetB, out, inner.extent)
            case (_, 0): op.apply(pa + offsetA, scalar: pb[offsetB], out, inner.extent)
            default: op.apply(pa + offsetA, pb + offsetB, out, inner.extent)
            }
            out += inner.extent
            var axis = dims.count - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += dims[axis].sa
                offsetB += dims[axis].sb
                if index[axis] < dims[axis].extent { break }
                offsetA -= dims[axis].sa * dims[axis].extent
                offsetB -= dims[axis].sb * dims[axis].extent
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Runs `body(row)` for every row, splitting rows across threads when there is enough work.
    static func rowsLoop(_ rows: Int, block: Int, _ body: (Int) -> Void) {
        let minRows = Swift.max(1, elementwiseParallelChunk / Swift.max(block, 1))
        Threads.parallelFor(rows, minChunk: minRows) { r in
            for row in r { body(row) }
        }
    }

    /// `tensor` broadcast to `shape`, copied into a contiguous buffer.
    static func materialize(_ tensor: Tensor, _ shape: [Int]) -> Tensor {
        if tensor.shape == shape { return tensor }
        let view = Tensor(shape: shape, strides: Broadcast.strides(of: tensor, expandedTo: shape),
                          offset: tensor.offset, storage: tensor.storage)
        return view.contiguousStorageCopy()
    }

    /// `f(x)` for every element, as a fresh contiguous tensor off the graph.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let a = x.isContiguous ? x : x.contiguousStorageCopy()
        let out = Tensor(zeros: x.shape)
        let pa = a.data, po = out.data, n = out.count
        // The direct loop keeps `f` inlined (and vectorised); through parallelFor it is a call.
        if Threads.count == 1 || n < elementwiseParallelChunk / 2 {
            for i in 0..<n { po[i] = f(pa[i]) }
        } else {
            Threads.parallelFor(n, minChunk: elementwiseParallelChunk / 4) { r in
                for i in r { po[i] = f(pa[i]) }
            }
        }
        return out
    }

    /// `f(x, y)` for two tensors of the same shape, as a fresh contiguous tensor off the graph.
    @inline(__always)
    static func zip(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.shape == y.shape, "ElementwiseKernel.zip: shapes differ")
        let a = x.isContiguous ? x : x.contiguousStorageCopy()
        let b = y.isContiguous ? y : y.contiguousStorageCopy()
        let out = Tensor(zeros: x.shape)
        let pa = a.data, pb = b.data, po = out.data, n = out.count
        if Threads.count == 1 || n < elementwiseParallelChunk / 2 {
            for i in 0..<n { po[i] = f(pa[i], pb[i]) }
        } else {
            Threads.parallelFor(n, minChunk: elementwiseParallelChunk / 4) { r in
                for i in r { po[i] = f(pa[i], pb[i]) }
            }
        }
        return out
    }
}

// MARK: - Tensor ⊙ tensor

extension Tensor {
    /// Elementwise sum with broadcasting. Throws when the shapes do not broadcast.
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let out = try ElementwiseKernel.binary(.add, lhs, rhs)
        let (ls, rs) = (lhs.shape, rhs.shape)
        return out.recorded(op: "add", inputs: [lhs, rhs]) { g in
            [try g.sumToShape(ls), try g.sumToShape(rs)]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let out = try ElementwiseKernel.binary(.subtract, lhs, rhs)
        let (ls, rs) = (lhs.shape, rhs.shape)
        return out.recorded(op: "subtract", inputs: [lhs, rhs]) { g in
            [try g.sumToShape(ls), try g.negated().sumToShape(rs)]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let out = try ElementwiseKernel.binary(.multiply, lhs, rhs)
        return out.recorded(op: "multiply", inputs: [lhs, rhs]) { g in
            let gl: Tensor? = try lhs.requiresGrad ? (g * rhs).sumToShape(lhs.shape) : nil
            let gr: Tensor? = try rhs.requiresGrad ? (g * lhs).sumToShape(rhs.shape) : nil
            return [gl, gr]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        let out = try ElementwiseKernel.binary(.divide, lhs, rhs)
        let quotient = out.detached() // not `out`: the closure would keep its own output alive
        return out.recorded(op: "divide", inputs: [lhs, rhs]) { g in
            let gOverR = try g / rhs
            // d(l/r)/dr = -(l/r)/r
            let gl: Tensor? = try lhs.requiresGrad ? gOverR.sumToShape(lhs.shape) : nil
            let gr: Tensor? = try rhs.requiresGrad ? (gOverR * quotient).negated().sumToShape(rhs.shape) : nil
            return [gl, gr]
        }
    }

    /// Elementwise maximum with broadcasting; on ties the gradient goes to `lhs`.
    public static func maximum(_ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        try selecting(.maximum, lhs, rhs) { $0 >= $1 }
    }

    /// Elementwise minimum with broadcasting; on ties the gradient goes to `lhs`.
    public static func minimum(_ lhs: Tensor, _ rhs: Tensor) throws -> Tensor {
        try selecting(.minimum, lhs, rhs) { $0 <= $1 }
    }

    /// max/min: the gradient flows to whichever operand was chosen.
    private static func selecting(_ op: BinaryOp, _ lhs: Tensor, _ rhs: Tensor,
                                  _ lhsWins: @escaping (Float, Float) -> Bool) throws -> Tensor {
        let out = try ElementwiseKernel.binary(op, lhs, rhs)
        return out.recorded(op: op.name, inputs: [lhs, rhs]) { g in
            let a = ElementwiseKernel.materialize(lhs, g.shape)
            let b = ElementwiseKernel.materialize(rhs, g.shape)
            let toLhs = ElementwiseKernel.zip(a, b) { lhsWins($0, $1) ? 1 : 0 }
            let gl = ElementwiseKernel.zip(g, toLhs) { $0 * $1 }
            let gr = ElementwiseKernel.zip(g, toLhs) { $0 * (1 - $1) }
            return [try gl.sumToShape(lhs.shape), try gr.sumToShape(rhs.shape)]
        }
    }
}

// MARK: - Tensor ⊙ scalar

extension Tensor {
    public static func + (lhs: Tensor, rhs: Float) -> Tensor {
        scalarOp(.add, lhs, rhs, scalarOnLeft: false) { g in g }
    }

    public static func + (lhs: Float, rhs: Tensor) -> Tensor {
        rhs + lhs
    }

    public static func - (lhs: Tensor, rhs: Float) -> Tensor {
        scalarOp(.subtract, lhs, rhs, scalarOnLeft: false) { g in g }
    }

    public static func - (lhs: Float, rhs: Tensor) -> Tensor {
        scalarOp(.subtract, rhs, lhs, scalarOnLeft: true) { g in g.negated() }
    }

    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        scalarOp(.multiply, lhs, rhs, scalarOnLeft: false) { g in g * rhs }
    }

    public static func * (lhs: Float, rhs: Tensor) -> Tensor {
        rhs * lhs
    }

    public static func / (lhs: Tensor, rhs: Float) -> Tensor {
        scalarOp(.divide, lhs, rhs, scalarOnLeft: false) { g in g / rhs }
    }

    /// `s / x`; its gradient is `-s / x²`.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor {
        let out = ElementwiseKernel.unrecordedScalarOp(.divide, rhs, lhs, scalarOnLeft: true)
        return out.recorded(op: "divide", inputs: [rhs]) { g in
            [ElementwiseKernel.zip(g, rhs) { gi, x in -gi * lhs / (x * x) }]
        }
    }

    /// A tensor–scalar op whose gradient depends only on the incoming gradient.
    private static func scalarOp(_ op: BinaryOp, _ tensor: Tensor, _ scalar: Float, scalarOnLeft: Bool,
                                 _ backward: @escaping (Tensor) -> Tensor) -> Tensor {
        let out = ElementwiseKernel.unrecordedScalarOp(op, tensor, scalar, scalarOnLeft: scalarOnLeft)
        return out.recorded(op: op.name, inputs: [tensor]) { g in [backward(g)] }
    }
}

extension ElementwiseKernel {
    static func unrecordedScalarOp(_ op: BinaryOp, _ tensor: Tensor, _ scalar: Float, scalarOnLeft: Bool) -> Tensor {
        let a = tensor.isContiguous ? tensor : tensor.contiguousStorageCopy()
        let out = Tensor(zeros: tensor.shape)
        let pa = UnsafePointer(a.data), po = out.data
        Threads.parallelFor(out.count, minChunk: elementwiseParallelChunk) { r in
            if scalarOnLeft {
                op.apply(scalar: scalar, pa + r.lowerBound, po + r.lowerBound, r.count)
            } else {
                op.apply(pa + r.lowerBound, scalar: scalar, po + r.lowerBound, r.count)
            }
        }
        return out
    }
}
