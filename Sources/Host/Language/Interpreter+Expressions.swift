/// Evaluating expressions: names, ranges, members, indexing, calls and commands.
extension Interpreter {
    /// Ranges become arrays only up to this many elements (a `for` loop walks any range).
    static let largestRangeArray = 10_000_000

    func evaluate(_ expression: Expression) throws -> Value {
        switch expression {
        case let .literal(value, _):
            return value
        case let .interpolated(parts, _):
            var text = ""
            for part in parts {
                switch part {
                case let .text(piece): text += piece
                case let .expression(inner): text += try evaluate(inner).description
                }
            }
            return .string(text)
        case let .variable(name, location):
            return try lookUp(name, at: location)
        case let .word(name, _):
            return binding(name)?.value ?? .string(name)
        case let .array(elements, _):
            return .array(try elements.map(evaluate))
        case let .range(lower, upper, closed, location):
            guard let bounds = try rangeBounds(lower, upper, closed: closed, at: location) else { return .array([]) }
            let span = bounds.upperBound.subtractingReportingOverflow(bounds.lowerBound)
            guard !span.overflow, span.partialValue < Interpreter.largestRangeArray else {
                throw ScriptError("the range \(bounds) has too many elements for an array (at most "
                                  + "\(Interpreter.largestRangeArray)); loop over it with `for` instead", at: location)
            }
            return .array(bounds.map { .int($0) })
        case let .unary(op, operand, location):
            return try Operators.unary(op, try evaluate(operand), at: location)
        case let .binary(op, left, right, location):
            if op == "&&" || op == "||" {
                // Short-circuit: the right side runs only when it decides the result.
                let first = try logicalOperand(left, op)
                if first == (op == "||") { return .bool(first) }
                return .bool(try logicalOperand(right, op))
            }
            return try Operators.binary(op, try evaluate(left), try evaluate(right), at: location)
        case let .member(base, name, location):
            return try member(name, of: try evaluate(base), at: location)
        case let .index(base, index, location):
            return try subscripted(try evaluate(base), by: try evaluate(index), at: location)
        case let .call(name, arguments, location):
            return try call(name, try arguments.map(evaluate), at: location)
        case let .command(command):
            return try runCommand(command)
        }
    }

    func binding(_ name: String) -> Binding? {
        for scope in scopes.reversed() {
            if let binding = scope[name] { return binding }
        }
        return nil
    }

    private func lookUp(_ name: String, at location: SourceLocation) throws -> Value {
        if let binding = binding(name) { return binding.value }
        if Builtins.names.contains(name) {
            throw ScriptError("`\(name)` is a function; call it as `\(name)(…)`", at: location)
        }
        throw ScriptError("unknown variable `\(name)`\(NameSuggestion.hint(for: name, among: visibleNames))",
                          at: location)
    }

    private func logicalOperand(_ expression: Expression, _ op: String) throws -> Bool {
        let value = try evaluate(expression)
        guard case let .bool(result) = value else {
            throw ScriptError("`\(op)` needs Bool operands, got \(value.typeName) \(value.literalDescription)",
                              at: expression.location)
        }
        return result
    }

    /// The Int bounds of `lower...upper` or `lower..<upper` as a closed range; nil when empty.
    func rangeBounds(_ lower: Expression, _ upper: Expression, closed: Bool,
                     at location: SourceLocation) throws -> ClosedRange<Int>? {
        func bound(_ expression: Expression, _ which: String) throws -> Int {
            let value = try evaluate(expression)
            guard case let .int(result) = value else {
                throw ScriptError("the \(which) bound of a range must be an Int, got \(value.typeName) "
                                  + "\(value.literalDescription)", at: expression.location)
            }
            return result
        }
        let low = try bound(lower, "lower"), high = try bound(upper, "upper")
        let symbol = closed ? "..." : "..<"
        guard low <= high else {
            throw ScriptError("invalid range \(low)\(symbol)\(high): the lower bound is greater than the upper bound",
                              at: location)
        }
        if closed { return low...high }
        return low == high ? nil : low...(high - 1)
    }

    // MARK: Members and subscripts

    func member(_ name: String, of base: Value, at location: SourceLocation) throws -> Value {
        switch (base, name) {
        case let (.array(items), "count"): return .int(items.count)
        case let (.array(items), "isEmpty"): return .bool(items.isEmpty)
        case let (.string(text), "count"): return .int(text.count)
        case let (.string(text), "isEmpty"): return .bool(text.isEmpty)
        case let (.record(record), _):
            if let value = record[name] { return value }
            let fields = record.names.isEmpty ? "it has no fields" : "its fields: " + record.names.joined(separator: ", ")
            throw ScriptError("the record has no field `\(name)`\(NameSuggestion.hint(for: name, among: record.names)) "
                              + "(\(fields))", at: location)
        default:
            let known: [String]
            switch base {
            case .array, .string: known = ["count", "isEmpty"]
            default: known = []
            }
            throw ScriptError("\(base.typeName) has no member `\(name)`\(NameSuggestion.hint(for: name, among: known))",
                              at: location)
        }
    }

    func subscripted(_ base: Value, by index: Value, at location: SourceLocation) throws -> Value {
        switch (base, index) {
        case let (.array(items), .int(position)):
            return items[try checked(position, count: items.count, of: "array", at: location)]
        case let (.string(text), .int(position)):
            let offset = try checked(position, count: text.count, of: "string", at: location)
            return .string(String(text[text.index(text.startIndex, offsetBy: offset)]))
        case let (.record(record), .string(name)):
            return try member(name, of: .record(record), at: location)
        case (.array, _), (.string, _):
            throw ScriptError("an index must be an Int, got \(index.typeName) \(index.literalDescription)", at: location)
        default:
            throw ScriptError("\(base.typeName) cannot be indexed with `[…]`", at: location)
        }
    }

    /// Swift-like bounds: no negative indices, nothing past the end; the message says what is valid.
    private func checked(_ position: Int, count: Int, of kind: String, at location: SourceLocation) throws -> Int {
        if position >= 0, position < count { return position }
        let valid = count == 0 ? "the \(kind) is empty" : "valid indices are 0...\(count - 1)"
        if position < 0 {
            throw ScriptError("index \(position) is out of range (\(valid)); negative indices are not supported, "
                              + "use `[x.count - 1]` for the last element", at: location)
        }
        let unit = kind == "string" ? "character" : "element"
        throw ScriptError("index \(position) is out of range for \(kind == "array" ? "an" : "a") \(kind) of \(count) "
                          + "\(unit)\(count == 1 ? "" : "s") (\(valid))", at: location)
    }

    // MARK: Commands

    private func runCommand(_ command: CommandSyntax) throws -> Value {
        var invocation = CommandInvocation(name: command.name, location: command.location)
        for argument in command.arguments {
            switch argument {
            case let .positional(value): invocation.positional.append(try evaluate(value))
            case let .named(name, value): invocation.named.append((name: name, value: try evaluate(value)))
            case let .flag(flag): invocation.flags.append(flag)
            }
        }
        do {
            return try runner.run(invocation)
        } catch let error as ScriptError {
            throw error
        } catch {
            // Command errors usually name their command already (`train: no model…`).
            let message = "\(error)"
            let named = message.hasPrefix(command.name + ":") || message.hasPrefix(command.name + " ")
            throw ScriptError(named ? message : "\(command.name): \(message)", at: command.location, underlying: error)
        }
    }
}
