/// A reverse-mode autograd tape, recorded as the program runs (define-by-run).
///
/// Each operation that has an input requiring a gradient attaches a `GradNode` to its
/// output: the inputs and a closure mapping the output's gradient to theirs. `backward()`
/// orders the nodes topologically and runs the closures in reverse. Backward closures run
/// with recording off, so gradients are plain tensors (no higher-order derivatives).
final class GradNode {
    let op: String
    let inputs: [Tensor]
    let backward: (Tensor) throws -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Global switch for recording (see `noGrad`).
public enum Autograd {
    /// Depth of nested `noGrad` scopes; recording happens only at depth 0.
    nonisolated(unsafe) static var disabledDepth = 0

    public static var isRecording: Bool { disabledDepth == 0 }

    /// Runs `body` without recording operations: inference, optimiser updates, and
    /// reference passes (e.g. DPO's frozen model) that need no gradient.
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

extension Tensor {
    /// Attaches the tape entry for an operation that produced `self` from `inputs`.
    /// `backward` receives the gradient of `self` (same shape) and returns one gradient per
    /// input (nil where an input needs none). Returns `self` for chaining.
    @discardableResult
    public func recorded(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard Autograd.isRecording, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        gradNode = GradNode(op: op, inputs: inputs, backward: backward)
        return self
    }

    /// Marks a tensor that should keep `.grad` after `backward()` even though it is not a
    /// leaf (attention probabilities for saliency, soft prompts after a concat, …).
    public func retainGrad() {
        retainsGrad = true
    }

    /// Whether this tensor is a leaf of the graph (created by the user, not by an op).
    public var isLeaf: Bool { gradNode == nil }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Back-propagates from this tensor. With no `seed`, the tensor must hold one element and
    /// the seed is 1. Gradients accumulate into `.grad` of leaves that require them (and of
    /// tensors marked `retainGrad()`) across calls until `zeroGrad()`. Unless `retainGraph`,
    /// the tape below this tensor is released afterwards to free activations.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw TensorError.noGradient(reason: "the tensor does not depend on anything that requires a gradient")
        }
        let start: Tensor
        if let seed {
            guard seed.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: seed.shape, reason: "the seed gradient must have the output's shape")
            }
            start = seed.contiguous().copy()
        } else {
            guard count == 1 else {
                throw TensorError.invalidShape(op: "backward", shape: shape, reason: "backward() without a seed needs a single-element output (a loss); pass seed: for others")
            }
            start = Tensor(zeros: shape)
            start.data[0] = 1
        }
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        try Autograd.noGrad {
            for tensor in order.reversed() {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                if tensor.gradNode == nil || tensor.retainsGrad {
                    tensor.accumulateGrad(gradient)
                }
                guard let node = tensor.gradNode else { continue }
                let inputGrads = try node.backward(gradient)
                for (input, grad) in zip(node.inputs, inputGrads) {
                    guard let grad, input.requiresGrad else { continue }
                    guard grad.shape == input.shape else {
                        throw TensorError.shapeMismatch(op: "backward of \(node.op)", lhs: input.shape, rhs: grad.shape,
                                                        reason: "the gradient's shape differs from its input's (an internal error)")
                    }
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { Tensor.sumOfGradients($0, grad) } ?? grad
                }
            }
        }
        if !retainGraph {
            for tensor in order where tensor.gradNode != nil { tensor.gradNode = nil }
        }
    }

    /// Every tensor reachable from `self` through the tape, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative DFS: deep models make recursion risky.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradNode?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    private func accumulateGrad(_ gradient: Tensor) {
        if let existing = grad {
            grad = Tensor.sumOfGradients(existing, gradient)
        } else {
            // Own a private copy: the incoming gradient may share storage with another.
            grad = gradient.copy()
        }
    }

    /// `a + b` for two gradients of the same shape, into fresh storage.
    static func sumOfGradients(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = a.copy()
        let other = b.contiguous()
        let n = out.count
        let dst = out.data, src = other.data
        for i in 0..<n { dst[i] += src[i] }
        return out
    }
}
