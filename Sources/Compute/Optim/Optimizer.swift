/// A first-order optimiser over a fixed list of trainable tensors.
///
/// `step()` reads each parameter's `.grad` and updates the parameter in place, under
/// `Autograd.noGrad`; parameters whose gradient is nil are skipped in that step. Parameters
/// must be contiguous leaves, and each appears once.
///
/// The state (moments, momentum buffers, step counts) round-trips through
/// `stateTensors()` / `loadState(_:)` for checkpoints. Keys derive from `Tensor.name`
/// (`prompt.embedding` → `prompt.embedding.adam_m`), or from the position in `parameters`
/// when a tensor is unnamed (`parameters.0.adam_m`); the optimiser's own step count is under
/// `optimizer.step`.
public protocol Optimizer: AnyObject {
    /// The tensors this optimiser updates, in the order given at construction.
    var parameters: [Tensor] { get }
    /// The learning rate used by the next `step()` (a schedule sets it before each step).
    var learningRate: Float { get set }
    /// How many times `step()` has run (restored by `loadState`).
    var stepCount: Int { get }

    /// Updates every parameter that has a gradient.
    func step() throws
    /// Clears the gradient of every parameter.
    func zeroGrad()

    /// A snapshot (copies) of the optimiser state, keyed as described above.
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by `stateTensors()` of an optimiser of the same kind over
    /// parameters with the same names and shapes. Every expected key must be present with
    /// the right shape (nothing is changed otherwise); keys it does not expect are ignored,
    /// so a whole checkpoint dictionary may be passed.
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}

/// Key of the optimiser-wide step count in a state dictionary.
let optimizerStepKey = "optimizer.step"

/// Reading and writing the pieces of an optimiser's state dictionary.
enum OptimizerStateCoding {
    /// A rank-0 tensor holding a step count. Float32 holds integers exactly up to 2²⁴
    /// (16.7 million steps), far beyond a tuning run.
    static func encode(count: Int) -> Tensor {
        Tensor(scalar: Float(count))
    }

    /// A copy of `tensor` named `key`, so the snapshot does not change with later steps.
    static func snapshot(_ tensor: Tensor, key: String) -> Tensor {
        let out = tensor.copy()
        out.name = key
        return out
    }

    /// The tensor under `key`, which must have `shape`.
    static func tensor(_ state: [String: Tensor], key: String, shape: [Int], op: String) throws -> Tensor {
        guard let value = state[key] else {
            throw TensorError.invalidArgument(op: op, reason: "the saved state has no entry \"\(key)\"; it was saved for different parameters or by another optimiser")
        }
        guard value.shape == shape else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: value.shape,
                                            reason: "saved state \"\(key)\" must have its parameter's shape")
        }
        return value
    }

    /// The non-negative whole number stored under `key`.
    static func count(_ state: [String: Tensor], key: String, op: String) throws -> Int {
        let value = try tensor(state, key: key, shape: [], op: op)
        let stored = try value.item()
        guard stored.isFinite, stored >= 0, stored == stored.rounded() else {
            throw TensorError.invalidArgument(op: op, reason: "saved state \"\(key)\" holds \(stored); a step count must be a non-negative whole number")
        }
        return Int(stored)
    }

    /// Copies `source` (any layout, already shape-checked) into the contiguous `destination`.
    static func copyValues(from source: Tensor, into destination: Tensor) {
        let values = source.contiguous()
        if destination.count > 0 {
            destination.data.update(from: values.data, count: destination.count)
        }
    }
}

/// Checks that a hyperparameter is finite and satisfies `isAllowed`, naming it and the
/// allowed range (`requirement`, e.g. "in [0, 1)") otherwise.
func validateHyperparameter(_ value: Float, name: String, op: String, requirement: String,
                            _ isAllowed: (Float) -> Bool) throws {
    guard value.isFinite, isAllowed(value) else {
        throw TensorError.invalidArgument(op: op, reason: "\(name) is \(value); it must be \(requirement)")
    }
}
