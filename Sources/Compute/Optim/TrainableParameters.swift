/// The checked parameter list of an optimiser and the state-key prefix of each parameter.
struct TrainableParameters {
    let tensors: [Tensor]
    /// `Tensor.name`, or `parameters.<index>` for an unnamed tensor; unique.
    let keys: [String]

    /// Refuses an empty list, views (non-contiguous or not leaves), a tensor listed twice
    /// and two tensors whose state keys would collide.
    init(_ tensors: [Tensor], op: String) throws {
        guard !tensors.isEmpty else {
            throw TensorError.invalidArgument(op: op, reason: "the parameter list is empty; give the tensors to train")
        }
        var keys: [String] = []
        var seenTensors = Set<ObjectIdentifier>()
        var seenKeys: [String: Int] = [:]
        for (index, tensor) in tensors.enumerated() {
            let key = (tensor.name?.isEmpty == false) ? tensor.name! : "parameters.\(index)"
            guard tensor.isContiguous else {
                throw TensorError.invalidShape(op: op, shape: tensor.shape,
                                               reason: "parameter \"\(key)\" is a non-contiguous view (strides \(tensor.strides)); optimisers update contiguous tensors in place, so pass the tensor that owns the storage")
            }
            guard tensor.isLeaf else {
                throw TensorError.invalidArgument(op: op, reason: "parameter \"\(key)\" is the output of an operation, not a leaf; pass the trainable tensor itself")
            }
            guard seenTensors.insert(ObjectIdentifier(tensor)).inserted else {
                throw TensorError.invalidArgument(op: op, reason: "parameter \"\(key)\" (position \(index)) is listed twice; it would be updated twice per step")
            }
            if let earlier = seenKeys[key] {
                throw TensorError.invalidArgument(op: op, reason: "parameters at positions \(earlier) and \(index) share the state key \"\(key)\"; give them distinct names")
            }
            seenKeys[key] = index
            keys.append(key)
        }
        self.tensors = tensors
        self.keys = keys
    }

    var count: Int { tensors.count }

    /// The contiguous gradient of parameter `index`, or nil when it has none. Checks the
    /// parameter is still a contiguous leaf and the gradient has its shape.
    func gradient(at index: Int, op: String) throws -> Tensor? {
        let tensor = tensors[index]
        guard let grad = tensor.grad else { return nil }
        guard tensor.isLeaf else {
            throw TensorError.invalidArgument(op: op, reason: "parameter \"\(keys[index])\" has become the output of an operation; an optimiser can only update leaves")
        }
        guard grad.shape == tensor.shape else {
            throw TensorError.shapeMismatch(op: op, lhs: tensor.shape, rhs: grad.shape,
                                            reason: "the gradient of parameter \"\(keys[index])\" must have the parameter's shape")
        }
        return grad.contiguous()
    }

    /// One optimiser step's traversal: checks every gradient before touching any parameter
    /// (so a bad one leaves all unchanged), then calls `update(index, gradient)` for each
    /// parameter that has a gradient, off the tape.
    func forEachGradient(op: String, _ update: (Int, Tensor) -> Void) throws {
        let gradients = try (0..<count).map { try gradient(at: $0, op: op) }
        Autograd.noGrad {
            for (index, gradient) in gradients.enumerated() {
                guard let gradient else { continue }
                update(index, gradient)
            }
        }
    }

    /// Runs `body` over `0..<count`, split over `Threads.count` for big tensors. Elementwise updates are independent, so the split does not change results.
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        Threads.parallelFor(count, minChunk: 1 << 15, body)
    }
}
