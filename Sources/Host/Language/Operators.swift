/// The arithmetic and comparison operators on values. Int and Double mix by promoting to
/// Double; Int overflow and Int division by zero are errors (never traps); `+` also joins
/// strings and arrays.
enum Operators {
    static func unary(_ op: String, _ operand: Value, at location: SourceLocation) throws -> Value {
        switch (op, operand) {
        case let ("-", .int(value)):
            guard value != Int.min else { throw overflow("-(\(value))", at: location) }
            return .int(-value)
        case let ("-", .double(value)):
            return .double(-value)
        case let ("!", .bool(value)):
            return .bool(!value)
        default:
            let wanted = op == "!" ? "a Bool" : "a number"
            throw ScriptError("`\(op)` needs \(wanted), got \(operand.typeName) \(operand.literalDescription)", at: location)
        }
    }

    static func binary(_ op: String, _ left: Value, _ right: Value, at location: SourceLocation) throws -> Value {
        switch op {
        case "+", "-", "*", "/", "%": return try arithmetic(op, left, right, at: location)
        case "==": return .bool(try equal(left, right, op: op, at: location))
        case "!=": return .bool(!(try equal(left, right, op: op, at: location)))
        case "<": return .bool(try compare(left, right, op: op, at: location) < 0)
        case "<=": return .bool(try compare(left, right, op: op, at: location) <= 0)
        case ">": return .bool(try compare(left, right, op: op, at: location) > 0)
        case ">=": return .bool(try compare(left, right, op: op, at: location) >= 0)
        default: throw ScriptError("unknown operator `\(op)`", at: location)
        }
    }

    private static func arithmetic(_ op: String, _ left: Value, _ right: Value, at location: SourceLocation) throws -> Value {
        switch (left, right) {
        case let (.int(a), .int(b)):
            return .int(try integer(op, a, b, at: location))
        case let (.int(a), .double(b)):
            return .double(floating(op, Double(a), b))
        case let (.double(a), .int(b)):
            return .double(floating(op, a, Double(b)))
        case let (.double(a), .double(b)):
            return .double(floating(op, a, b))
        case let (.string(a), .string(b)) where op == "+":
            return .string(a + b)
        case let (.array(a), .array(b)) where op == "+":
            return .array(a + b)
        default:
            var hint = ""
            if op == "+", case .string = left { hint = "; convert the other side with String(…) or use \"\\(…)\"" }
            if op == "+", case .string = right { hint = "; convert the other side with String(…) or use \"\\(…)\"" }
            throw ScriptError("type mismatch: cannot apply `\(op)` to \(left.typeName) and \(right.typeName)\(hint)",
                              at: location)
        }
    }

    private static func integer(_ op: String, _ a: Int, _ b: Int, at location: SourceLocation) throws -> Int {
        let result: (partialValue: Int, overflow: Bool)
        switch op {
        case "+": result = a.addingReportingOverflow(b)
        case "-": result = a.subtractingReportingOverflow(b)
        case "*": result = a.multipliedReportingOverflow(by: b)
        default:
            guard b != 0 else {
                throw ScriptError("division by zero in `\(a) \(op) \(b)`; use Doubles (\(a).0 \(op) 0.0) for inf/nan", at: location)
            }
            result = op == "/" ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
        }
        guard !result.overflow else { throw overflow("\(a) \(op) \(b)", at: location) }
        return result.partialValue
    }

    private static func floating(_ op: String, _ a: Double, _ b: Double) -> Double {
        switch op {
        case "+": return a + b
        case "-": return a - b
        case "*": return a * b
        case "/": return a / b
        default: return a.truncatingRemainder(dividingBy: b)
        }
    }

    private static func overflow(_ expression: String, at location: SourceLocation) -> ScriptError {
        ScriptError("integer overflow: \(expression) does not fit in Int; use Doubles for larger numbers", at: location)
    }

    /// Equality: numbers compare by value (1 == 1.0), other values need the same type.
    static func equal(_ left: Value, _ right: Value, op: String, at location: SourceLocation) throws -> Bool {
        switch (left, right) {
        case let (.int(a), .double(b)): return Double(a) == b
        case let (.double(a), .int(b)): return a == Double(b)
        default:
            guard left.typeName == right.typeName else {
                throw ScriptError("type mismatch: cannot compare \(left.typeName) and \(right.typeName) with `\(op)`",
                                  at: location)
            }
            return left == right
        }
    }

    /// Ordering of numbers and of strings: negative, zero or positive.
    static func compare(_ left: Value, _ right: Value, op: String, at location: SourceLocation) throws -> Int {
        func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        switch (left, right) {
        case let (.int(a), .int(b)): return order(a, b)
        case let (.int(a), .double(b)): return order(Double(a), b)
        case let (.double(a), .int(b)): return order(a, Double(b))
        case let (.double(a), .double(b)): return order(a, b)
        case let (.string(a), .string(b)): return order(a, b)
        default:
            throw ScriptError("type mismatch: cannot order \(left.typeName) and \(right.typeName) with `\(op)`",
                              at: location)
        }
    }
}
