import Compute

/// Runs scripts and REPL inputs in the Strata language (DESIGN §5): a small Swift-flavoured
/// language of `let`/`var`, Int/Double/Bool/String/array values, `"\(x)"` interpolation,
/// ranges (`2...6`, `0..<n`, arrays of Int), Swift operator precedence, `if`/`else if`/`else`,
/// `for x in …`, `while`, `break`/`continue`, builtins (`print`, `String`, `Int`, `Double`,
/// `abs`, `min`, `max`, `round`, `sqrt`, `exp`, `log`, `assert`) and command statements whose
/// results are values (`let r = eval gsm8k limit=50; print(r.accuracy)`). Values are
/// dynamically typed: Int and Double mix by promotion, other mixes are type errors, and a
/// `var` may be given a value of another type.
///
/// Each call to `run` parses the whole input first — a parse error anywhere runs nothing —
/// then executes it statement by statement; a runtime error stops the input and is thrown as
/// a `ScriptError`. Variables declared at the top level persist across calls (the REPL's
/// session). At the top level a new `let`/`var` replaces an earlier one of the same name, so
/// REPL lines and notebook cells can be re-run; inside a block, a name may be declared once.
///
/// Statements starting with a command word (`runner.isCommand`) are commands; command words
/// cannot be variable names. See `Parser+Commands.swift` for how arguments are read, in
/// particular that a bare identifier argument stands for the variable of that name when one
/// is in scope (`for g in 2...6 { use dham G=g }`) and for the word itself otherwise.
///
/// The interpreter keeps a strong reference to its runner.
public final class Interpreter {
    let runner: CommandRunner
    let output: (String) -> Void
    /// Innermost scope last; `scopes[0]` holds the top-level variables.
    var scopes: [[String: Binding]] = [[:]]

    /// When true (the REPL), a top-level expression statement that is not a command prints
    /// its value (strings quoted); commands report their own results.
    public var echoesExpressionValues = false

    struct Binding {
        var value: Value
        let isConstant: Bool
        let location: SourceLocation
    }

    enum Flow { case normal, breakLoop, continueLoop }

    /// - Parameters:
    ///   - runner: runs command statements (the session; a fake in tests).
    ///   - output: receives each `print` line (without a trailing newline) and echoed values.
    public init(runner: CommandRunner, output: @escaping (String) -> Void) {
        self.runner = runner
        self.output = output
    }

    /// Parses and runs `source`; `fileName` appears in error messages.
    /// - Throws: `ScriptError` for a parse or runtime error, with the line quoted.
    public func run(_ source: String, fileName: String? = nil) throws {
        let text = SourceText(source, fileName: fileName)
        let scopeDepth = scopes.count  // a runner may call `run` again from inside a command
        do {
            var parser = Parser(source: text, isCommand: { [runner] in runner.isCommand($0) })
            let program = try parser.parseProgram()
            for statement in program {
                _ = try execute(statement, topLevel: true)
            }
        } catch let error as ScriptError {
            // Blocks pop their scopes as the error unwinds; this only guards that invariant.
            if scopes.count > scopeDepth { scopes.removeSubrange(scopeDepth...) }
            throw error.located(in: text)
        }
    }

    /// False while the input has an open `{`, `(`, `[`, string or block comment, so the REPL
    /// should read a continuation line; true when it is complete or has a mistake to report.
    public func isComplete(_ source: String) -> Bool {
        var lexer = Lexer(source: SourceText(source))
        var depth = 0
        while true {
            let token = lexer.nextToken()
            switch token.kind {
            case .end: return depth <= 0
            case let .invalid(_, incomplete):
                if incomplete { return false }
                if token.end == token.start { return true }
            case .symbol("{"), .symbol("("), .symbol("["): depth += 1
            case .symbol("}"), .symbol(")"), .symbol("]"): depth -= 1
            default: break
            }
        }
    }

    /// The value of a top-level variable.
    public func value(of name: String) -> Value? {
        scopes[0][name]?.value
    }

    /// The top-level variable names, sorted (for tab completion).
    public var variableNames: [String] {
        scopes[0].keys.sorted()
    }

    /// The builtin function names (for tab completion).
    public static var functionNames: [String] { Builtins.names }

    // MARK: Statements

    func execute(_ statement: Statement, topLevel: Bool = false) throws -> Flow {
        switch statement {
        case let .declaration(name, isConstant, expression, location):
            let value = try evaluate(expression)
            if scopes.count > 1, let previous = scopes[scopes.count - 1][name] {
                throw ScriptError("`\(name)` is already declared in this block (at \(previous.location)); "
                                  + "assign to it, or choose another name", at: location)
            }
            scopes[scopes.count - 1][name] = Binding(value: value, isConstant: isConstant, location: location)
        case let .assignment(name, op, expression, location):
            try assign(name, op, expression, at: location)
        case let .expression(expression):
            let value = try evaluate(expression)
            if topLevel, echoesExpressionValues, value != .void {
                if case .command = expression {} else { output(value.literalDescription) }
            }
        case let .block(statements, _):
            return try executeBlock(statements)
        case let .conditional(branches, otherwise, _):
            for branch in branches {
                if try condition(branch.condition, in: "if") { return try executeBlock(branch.body) }
            }
            if let otherwise { return try executeBlock(otherwise) }
        case let .forIn(name, nameLocation, sequence, body, location):
            try executeForIn(name, nameLocation, sequence, body, at: location)
        case let .whileLoop(test, body, location):
            while true {
                try checkInterruption(at: location)
                guard try condition(test, in: "while") else { break }
                if try executeBlock(body) == .breakLoop { break }
            }
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    func executeBlock(_ statements: [Statement], bindings: [String: Binding] = [:]) throws -> Flow {
        scopes.append(bindings)
        defer { scopes.removeLast() }
        for statement in statements {
            let flow = try execute(statement)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func assign(_ name: String, _ op: String, _ expression: Expression, at location: SourceLocation) throws {
        guard let depth = scopes.lastIndex(where: { $0[name] != nil }), let binding = scopes[depth][name] else {
            throw ScriptError("unknown variable `\(name)`\(NameSuggestion.hint(for: name, among: visibleNames)); "
                              + "declare it first with `var \(name) = …`", at: location)
        }
        guard !binding.isConstant else {
            throw ScriptError("cannot assign to `\(name)`: it is a `let` constant (declared at \(binding.location)); "
                              + "declare it with `var` to change it", at: location)
        }
        var value = try evaluate(expression)
        if op != "=" { value = try Operators.binary(op, binding.value, value, at: location) }
        scopes[depth][name]?.value = value
    }

    private func executeForIn(_ name: String, _ nameLocation: SourceLocation, _ sequence: Expression,
                              _ body: [Statement], at location: SourceLocation) throws {
        func iterate<S: Sequence>(_ items: S, _ makeValue: (S.Element) -> Value) throws {
            for item in items {
                try checkInterruption(at: location)
                let bindings = name == "_" ? [:] : [name: Binding(value: makeValue(item), isConstant: true, location: nameLocation)]
                if try executeBlock(body, bindings: bindings) == .breakLoop { return }
            }
        }
        // A range is walked without building its array, so `for i in 0..<1_000_000` costs no memory.
        if case let .range(lower, upper, closed, rangeLocation) = sequence {
            guard let bounds = try rangeBounds(lower, upper, closed: closed, at: rangeLocation) else { return }
            return try iterate(bounds, { .int($0) })
        }
        switch try evaluate(sequence) {
        case let .array(items): try iterate(items, { $0 })
        case let .string(text): try iterate(text, { .string(String($0)) })
        case let other:
            throw ScriptError("`for … in` needs an array, a range or a string, got \(other.typeName)", at: sequence.location)
        }
    }

    /// Evaluates an `if`/`while` condition, which must be a Bool.
    private func condition(_ expression: Expression, in statement: String) throws -> Bool {
        let value = try evaluate(expression)
        guard case let .bool(result) = value else {
            throw ScriptError("the condition of `\(statement)` must be a Bool, got \(value.typeName) "
                              + "\(value.literalDescription)", at: expression.location)
        }
        return result
    }

    /// Loops stop at Ctrl-C (`Interruption.request()`), so a runaway `while` never hangs the REPL.
    func checkInterruption(at location: SourceLocation) throws {
        do {
            try Interruption.check()
        } catch {
            throw ScriptError("interrupted", at: location, underlying: error)
        }
    }

    /// Names a suggestion may offer: every variable in scope.
    var visibleNames: [String] {
        scopes.flatMap(\.keys)
    }
}
