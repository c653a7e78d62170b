import Foundation

/// The builtin functions: `print`, conversions, a little math, `contains`, and `assert`.
enum Builtins {
    static let names = ["print", "String", "Int", "Double", "abs", "min", "max", "round", "sqrt", "exp", "log",
                        "contains", "assert"]
}

extension Interpreter {
    func call(_ name: String, _ arguments: [Value], at location: SourceLocation) throws -> Value {
        func fail(_ message: String) -> ScriptError { ScriptError("\(name): \(message)", at: location) }
        func expectCount(_ counts: ClosedRange<Int>) throws {
            guard counts.contains(arguments.count) else {
                let wanted = counts.count == 1 ? "\(counts.lowerBound)" : "\(counts.lowerBound) or \(counts.upperBound)"
                throw fail("takes \(wanted) argument\(counts.upperBound == 1 ? "" : "s"), got \(arguments.count)")
            }
        }
        func number(_ value: Value) throws -> Double {
            switch value {
            case let .int(i): return Double(i)
            case let .double(d): return d
            default: throw fail("expected a number, got \(value.typeName) \(value.literalDescription)")
            }
        }

        switch name {
        case "print":
            output(arguments.map(\.description).joined(separator: " "))
            return .void
        case "String":
            try expectCount(1...1)
            return .string(arguments[0].description)
        case "Int":
            try expectCount(1...1)
            return .int(try integer(from: arguments[0], fail))
        case "Double":
            try expectCount(1...1)
            if case let .string(text) = arguments[0] {
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
                    throw fail("cannot convert \(text.debugDescription) to Double")
                }
                return .double(value)
            }
            return .double(try number(arguments[0]))
        case "abs":
            try expectCount(1...1)
            if case let .int(value) = arguments[0] {
                guard value != Int.min else { throw fail("integer overflow: abs(\(value)) does not fit in Int") }
                return .int(Swift.abs(value))
            }
            return .double(Swift.abs(try number(arguments[0])))
        case "min", "max":
            // min(a, b, …) or min(array)
            var values = arguments
            if values.count == 1, case let .array(items) = values[0] { values = items }
            guard var best = values.first else { throw fail("needs at least one value") }
            for value in values.dropFirst() {
                let order = try Operators.compare(value, best, op: name, at: location)
                if name == "min" ? order < 0 : order > 0 { best = value }
            }
            return best
        case "round":
            try expectCount(1...2)
            return try rounded(arguments, fail)
        case "sqrt", "exp", "log":
            try expectCount(1...1)
            let x = try number(arguments[0])
            return .double(name == "sqrt" ? x.squareRoot() : name == "exp" ? Foundation.exp(x) : Foundation.log(x))
        case "contains":
            // contains(text, part) for strings; contains(array, element) for arrays.
            try expectCount(2...2)
            switch (arguments[0], arguments[1]) {
            case let (.string(text), .string(part)): return .bool(text.contains(part))
            case let (.array(items), element): return .bool(items.contains(element))
            default:
                throw fail("expected (String, String) or (Array, element), got (\(arguments[0].typeName), \(arguments[1].typeName))")
            }
        case "assert":
            try expectCount(1...2)
            guard case let .bool(holds) = arguments[0] else {
                throw fail("the condition must be a Bool, got \(arguments[0].typeName)")
            }
            if !holds {
                let message = arguments.count > 1 ? ": \(arguments[1].description)" : ""
                throw ScriptError("assertion failed\(message)", at: location)
            }
            return .void
        default:
            let hint = NameSuggestion.hint(for: name, among: Builtins.names)
            throw ScriptError("unknown function `\(name)`\(hint)", at: location)
        }
    }

    /// `Int(x)`: truncates Doubles toward zero like Swift, parses strings; never traps.
    private func integer(from value: Value, _ fail: (String) -> ScriptError) throws -> Int {
        switch value {
        case let .int(i):
            return i
        case let .double(d):
            guard d.isFinite, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else {
                throw fail("\(Value.format(d)) does not fit in Int")
            }
            return Int(d)
        case let .string(text):
            guard let i = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw fail("cannot convert \(text.debugDescription) to Int")
            }
            return i
        default:
            throw fail("cannot convert \(value.typeName) to Int")
        }
    }

    /// `round(x)` rounds half away from zero (Swift's `round`); `round(x, digits)` keeps that
    /// many decimals. Ints come back unchanged.
    private func rounded(_ arguments: [Value], _ fail: (String) -> ScriptError) throws -> Value {
        var digits = 0
        if arguments.count == 2 {
            guard case let .int(d) = arguments[1], (0...15).contains(d) else {
                throw fail("the number of digits must be an Int in 0...15, got \(arguments[1].literalDescription)")
            }
            digits = d
        }
        switch arguments[0] {
        case let .int(i):
            return .int(i)
        case let .double(x):
            let scale = Foundation.pow(10.0, Double(digits))
            let result = (x * scale).rounded(.toNearestOrAwayFromZero) / scale
            return .double(result.isFinite ? result : x)
        default:
            throw fail("expected a number, got \(arguments[0].typeName) \(arguments[0].literalDescription)")
        }
    }
}
