/// Expressions, by Swift's precedence from loosest to tightest:
/// `||`, `&&`, comparisons (not chained), ranges `...`/`..<`, `+ -`, `* / %`, prefix `- !`,
/// then postfix `.member`, `[index]`, `f(args)`.
extension Parser {
    mutating func parseExpression() throws -> Expression {
        try descend()
        defer { depth -= 1 }
        return try parseBinary(above: -1)
    }

    /// Binary operators by precedence, loosest first.
    private static let levels: [[String]] = [
        ["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">="], ["...", "..<"], ["+", "-"], ["*", "/", "%"],
    ]
    private static let comparisonLevel = 2
    private static let rangeLevel = 3

    private static func level(of token: Token) -> Int? {
        guard case let .symbol(op) = token.kind else { return nil }
        return levels.firstIndex { $0.contains(op) }
    }

    /// Precedence climbing: parses operators binding tighter than `minimum` (one stack frame
    /// per operand rather than one per precedence level, which keeps deep nesting cheap).
    private mutating func parseBinary(above minimum: Int) throws -> Expression {
        var left = try parseUnary()
        while let level = Parser.level(of: current), level > minimum, case let .symbol(op) = current.kind {
            let operatorStart = current.start
            advance()
            skipNewlines()  // a line ending in an operator continues on the next
            let right = try parseBinary(above: level)
            if level == Parser.rangeLevel {
                left = .range(left, right, closed: op == "...", location(operatorStart))
            } else {
                left = .binary(op, left, right, location(operatorStart))
            }
            // Comparisons and ranges do not associate: `a < b < c` is a mistake, as in Swift.
            if level == Parser.comparisonLevel || level == Parser.rangeLevel, Parser.level(of: current) == level,
               case let .symbol(next) = current.kind {
                let hint = level == Parser.comparisonLevel ? "; combine comparisons with `&&`" : ""
                throw error("`\(next)` cannot follow `\(op)` without parentheses\(hint)", at: current.start)
            }
        }
        return left
    }

    private mutating func parseUnary() throws -> Expression {
        if case let .symbol(op) = current.kind, op == "-" || op == "!" {
            let start = current.start
            try descend()
            defer { depth -= 1 }
            advance()
            return .unary(op, try parseUnary(), location(start))
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws -> Expression {
        var expression = try parsePrimary()
        while true {
            if current.isSymbol(".") {
                let dot = current.start
                advance()
                guard case let .identifier(name) = current.kind else {
                    throw error("expected a member name after `.`, found \(describe(current))", at: current.start)
                }
                advance()
                expression = .member(expression, name, location(dot))
            } else if current.isSymbol("[") {
                let open = current.start
                advance()
                enterNesting()
                let index = try parseExpression()
                try expectClose("]", openedAt: open)
                expression = .index(expression, index, location(open))
            } else if current.isSymbol("(") {
                guard case let .variable(name, nameLocation) = expression else {
                    throw error("only a named function can be called, as in `print(x)`", at: current.start)
                }
                expression = .call(name, try parseArguments(), nameLocation)
            } else {
                return expression
            }
        }
    }

    /// `( a, b, … )` after a function name.
    private mutating func parseArguments() throws -> [Expression] {
        let open = current.start
        advance()
        enterNesting()
        var arguments: [Expression] = []
        while !current.isSymbol(")") {
            arguments.append(try parseExpression())
            guard current.isSymbol(",") else { break }
            advance()
        }
        try expectClose(")", openedAt: open)
        return arguments
    }

    /// Literals, names, `( … )` (which may hold a command) and array literals.
    mutating func parsePrimary() throws -> Expression {
        let token = current
        let here = location(token.start)
        switch token.kind {
        case let .int(value):
            advance()
            return .literal(.int(value), here)
        case let .double(value):
            advance()
            return .literal(.double(value), here)
        case let .string(segments):
            advance()
            return try stringExpression(segments, at: here)
        case let .identifier(name):
            if name == "true" || name == "false" {
                advance()
                return .literal(.bool(name == "true"), here)
            }
            if Parser.keywords.contains(name) {
                throw error("expected an expression, found the keyword `\(name)`", at: token.start)
            }
            advance()
            if isCommand(name), !current.isSymbol("(") {
                throw error("`\(name)` is a command; inside an expression, put it in parentheses: `(\(name) …)`",
                            at: token.start)
            }
            return .variable(name, here)
        case .symbol("("):
            advance()
            enterNesting()
            let inner = atCommand ? .command(try parseCommand(insideParens: true)) : try parseExpression()
            try expectClose(")", openedAt: token.start)
            return inner
        case .symbol("["):
            advance()
            enterNesting()
            var elements: [Expression] = []
            while !current.isSymbol("]") {
                elements.append(try parseExpression())
                guard current.isSymbol(",") else { break }
                advance()
            }
            try expectClose("]", openedAt: token.start)
            return .array(elements, here)
        case let .invalid(message, _):
            throw error(message, at: token.start)
        default:
            throw error("expected an expression, found \(describe(token))", at: token.start)
        }
    }

    /// A string literal's value; each `\( … )` is parsed from its own range of the source, so
    /// errors inside it point at the right column.
    func stringExpression(_ segments: [StringSegment], at location: SourceLocation) throws -> Expression {
        var parts: [InterpolationPart] = []
        for segment in segments {
            switch segment {
            case let .text(text):
                parts.append(.text(text))
            case let .interpolation(range):
                var inner = Parser(source: source, range: range, nesting: 1, depth: depth + 1, isCommand: isCommand)
                if inner.current.kind == .end {
                    throw error("empty interpolation `\\()`: put an expression inside", at: range.lowerBound)
                }
                let expression = try inner.parseValue()
                guard inner.current.kind == .end else {
                    throw inner.error("expected `)` to end the interpolation, found \(inner.describe(inner.current))",
                                      at: inner.current.start)
                }
                parts.append(.expression(expression))
            }
        }
        if parts.count == 1, case let .text(text) = parts[0] { return .literal(.string(text), location) }
        return .interpolated(parts, location)
    }
}
