/// Errors raised by tensor operations. Every shape error names the operation and the
/// shapes involved, so that a user reading it can find the offending call.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// Two operands whose shapes cannot be combined by `op`.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], reason: String)
    /// A single operand whose shape `op` cannot accept.
    case invalidShape(op: String, shape: [Int], reason: String)
    /// An argument (axis, index, count, …) outside the range `op` accepts.
    case invalidArgument(op: String, reason: String)
    /// `backward()` called where there is no graph to differentiate.
    case noGradient(reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, reason):
            return "\(op): shapes \(Tensor.describe(lhs)) and \(Tensor.describe(rhs)) are incompatible: \(reason)"
        case let .invalidShape(op, shape, reason):
            return "\(op): shape \(Tensor.describe(shape)) is not accepted: \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        case let .noGradient(reason):
            return "backward: \(reason)"
        }
    }
}
