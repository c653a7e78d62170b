/// Errors of composing and running methods. Each message says what was wrong and what to do.
public enum MethodError: Error, CustomStringConvertible, Equatable {
    /// `use X` while X is active.
    case alreadyActive(String)
    /// A required capability that no earlier method provides.
    case missingCapability(method: String, capability: Capability)
    /// Two methods replacing the loss.
    case lossConflict(method: String, active: String)
    /// `unuse X` while a later method needs what X provides.
    case stillRequired(method: String, by: String, capability: Capability)
    /// `unuse X` when X is not active.
    case notActive(String, active: [String])
    /// A method that declared `.replaces` returned no loss, or a non-scalar one.
    case invalidLoss(method: String, reason: String)
    /// A checkpoint that does not fit the method.
    case restore(method: String, reason: String)

    public var description: String {
        switch self {
        case let .alreadyActive(name):
            return "\(name) is already in use; `unuse \(name)` first to use it with other parameters"
        case let .missingCapability(method, capability):
            return "\(method) needs \(capability) but no method in use provides it; use \(capability.providedBy) first"
        case let .lossConflict(method, active):
            return "\(method) replaces the loss, and \(active) (in use) already replaces it; `unuse \(active)` first"
        case let .stillRequired(method, user, capability):
            return "\(user) needs the \(capability) that \(method) provides; `unuse \(user)` first"
        case let .notActive(name, active):
            let list = active.isEmpty ? "none is" : active.joined(separator: ", ") + (active.count == 1 ? " is" : " are")
            return "\(name) is not in use (\(list) in use)"
        case let .invalidLoss(method, reason):
            return "\(method): \(reason)"
        case let .restore(method, reason):
            return "cannot restore \(method): \(reason)"
        }
    }
}
