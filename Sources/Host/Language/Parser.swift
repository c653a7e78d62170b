/// A recursive-descent parser for statements; expressions are in `Parser+Expressions.swift`
/// and command arguments in `Parser+Commands.swift`.
///
/// Newlines end statements, except inside `( )` and `[ ]` and after a binary operator, where
/// an expression may continue on the next line.
struct Parser {
    static let keywords: Set<String> = ["let", "var", "if", "else", "for", "in", "while", "break", "continue", "true", "false"]

    let source: SourceText
    let isCommand: (String) -> Bool
    var lexer: Lexer
    var current: Token
    /// Where the previously consumed token ended (a command argument's value ends there).
    var previousEnd: Int
    /// Depth of open `(` and `[`; inside them newlines are skipped.
    var nesting: Int
    var loopDepth = 0
    /// Depth of nested expressions and blocks, bounded so that hostile input cannot exhaust the stack.
    var depth = 0
    static let deepestNesting = 64

    init(source: SourceText, range: Range<Int>? = nil, nesting: Int = 0, depth: Int = 0,
         isCommand: @escaping (String) -> Bool) {
        self.source = source
        self.depth = depth
        self.isCommand = isCommand
        self.nesting = nesting
        lexer = Lexer(source: source, range: range)
        previousEnd = lexer.position
        current = Token(kind: .end, start: lexer.position, end: lexer.position)
        advance()
    }

    // MARK: Tokens

    mutating func advance() {
        previousEnd = current.end
        current = lexer.nextToken()
        while nesting > 0, current.kind == .newline { current = lexer.nextToken() }
    }

    /// Restarts tokenising at a character offset (after scanning command arguments by hand).
    mutating func resume(at offset: Int) {
        previousEnd = offset
        lexer.position = offset
        current = lexer.nextToken()
        while nesting > 0, current.kind == .newline { current = lexer.nextToken() }
    }

    mutating func enterNesting() {
        nesting += 1
        while current.kind == .newline { advance() }
    }

    /// Consumes the closing `)` or `]`, leaving the nesting first so that a newline after it
    /// still ends the statement.
    mutating func expectClose(_ symbol: String, openedAt open: Int) throws {
        guard current.isSymbol(symbol) else {
            let opening = symbol == ")" ? "(" : "["
            throw error("expected `\(symbol)` to close the `\(opening)` at \(source.location(of: open)), found \(describe(current))",
                        at: current.start)
        }
        nesting -= 1
        advance()
    }

    mutating func expect(_ symbol: String, _ context: String) throws {
        guard current.isSymbol(symbol) else {
            throw error("expected `\(symbol)` \(context), found \(describe(current))", at: current.start)
        }
        advance()
    }

    /// Counts one more level of nesting; call with `defer { depth -= 1 }`.
    mutating func descend() throws {
        depth += 1
        guard depth <= Parser.deepestNesting else {
            throw error("nested too deeply (more than \(Parser.deepestNesting) levels)", at: current.start)
        }
    }

    mutating func skipNewlines() {
        while current.kind == .newline { advance() }
    }

    private mutating func skipSeparators() {
        while current.kind == .newline || current.isSymbol(";") { advance() }
    }

    func location(_ offset: Int) -> SourceLocation { source.location(of: offset) }

    func error(_ message: String, at offset: Int) -> ScriptError {
        ScriptError(message, at: location(offset))
    }

    func keyword(_ token: Token) -> String? {
        if case let .identifier(name) = token.kind, Parser.keywords.contains(name) { return name }
        return nil
    }

    func isKeyword(_ token: Token, _ word: String) -> Bool { keyword(token) == word }

    /// A command word at the current token (keywords never are).
    var atCommand: Bool {
        if case let .identifier(name) = current.kind { return !Parser.keywords.contains(name) && isCommand(name) }
        return false
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case let .identifier(name): return "`\(name)`"
        case let .int(value): return "the number \(value)"
        case let .double(value): return "the number \(value)"
        case .string: return "a string"
        case let .symbol(symbol): return "`\(symbol)`"
        case .newline: return "the end of the line"
        case .end: return "the end of the input"
        case let .invalid(message, _): return message
        }
    }

    // MARK: Statements

    mutating func parseProgram() throws -> [Statement] {
        var statements: [Statement] = []
        skipSeparators()
        while current.kind != .end {
            if current.isSymbol("}") { throw error("unexpected `}` with no open `{`", at: current.start) }
            statements.append(try parseStatement())
            try expectStatementEnd()
            skipSeparators()
        }
        return statements
    }

    private mutating func expectStatementEnd() throws {
        switch current.kind {
        case .newline, .end, .symbol(";"), .symbol("}"): return
        case let .invalid(message, _): throw error(message, at: current.start)
        default:
            throw error("expected a new line or `;` after the statement, found \(describe(current))", at: current.start)
        }
    }

    mutating func parseStatement() throws -> Statement {
        let start = current.start
        switch keyword(current) {
        case "let", "var": return try parseDeclaration()
        case "if": return try parseConditional()
        case "for": return try parseForIn()
        case "while":
            advance()
            let condition = try parseExpression()
            return .whileLoop(condition: condition, body: try parseLoopBody(), location(start))
        case "break", "continue":
            let word = keyword(current) ?? ""
            guard loopDepth > 0 else { throw error("`\(word)` is only allowed inside a `for` or `while` loop", at: start) }
            advance()
            return word == "break" ? .breakLoop(location(start)) : .continueLoop(location(start))
        case let word?:
            if word == "true" || word == "false" { break }
            throw error("unexpected `\(word)` at the start of a statement", at: start)
        case nil:
            break
        }
        if atCommand { return .expression(.command(try parseCommand(insideParens: false))) }
        if current.isSymbol("{") { return .block(try parseBlock(), location(start)) }

        let expression = try parseExpression()
        let assignment: String
        switch current.kind {
        case .symbol("="): assignment = "="
        case .symbol("+="): assignment = "+"
        case .symbol("-="): assignment = "-"
        default: return .expression(expression)
        }
        guard case let .variable(name, _) = expression else {
            throw error("only a variable can be assigned to (`name = value`)", at: current.start)
        }
        advance()
        skipNewlines()
        return .assignment(name: name, operator: assignment, value: try parseValue(), location(start))
    }

    /// The right-hand side of `=`: a command statement or an expression.
    mutating func parseValue() throws -> Expression {
        if atCommand { return .command(try parseCommand(insideParens: false)) }
        return try parseExpression()
    }

    private mutating func parseDeclaration() throws -> Statement {
        let start = current.start
        let isConstant = isKeyword(current, "let")
        advance()
        let name = try parseNewName()
        try expect("=", "after `\(isConstant ? "let" : "var") \(name)`")
        skipNewlines()
        return .declaration(name: name, isConstant: isConstant, value: try parseValue(), location(start))
    }

    /// A name being declared: not a keyword, and not a command word (a variable named like a
    /// command could never be read, since `eval …` at a statement start runs the command).
    private mutating func parseNewName() throws -> String {
        guard case let .identifier(name) = current.kind else {
            throw error("expected a variable name, found \(describe(current))", at: current.start)
        }
        if Parser.keywords.contains(name) {
            throw error("`\(name)` is a keyword and cannot be a variable name", at: current.start)
        }
        if isCommand(name) {
            throw error("`\(name)` is a command and cannot be a variable name; choose another, e.g. `\(name)Result`",
                        at: current.start)
        }
        advance()
        return name
    }

    private mutating func parseConditional() throws -> Statement {
        let start = current.start
        var branches: [(condition: Expression, body: [Statement])] = []
        var otherwise: [Statement]?
        repeat {
            advance()  // `if`
            let condition = try parseExpression()
            branches.append((condition, try parseBlock()))
            // `else` may follow on the next line; if it does not, the newlines are only separators.
            let saved = (lexer, current, previousEnd)
            skipNewlines()
            guard isKeyword(current, "else") else {
                (lexer, current, previousEnd) = saved
                break
            }
            advance()
            if !isKeyword(current, "if") {
                otherwise = try parseBlock()
                break
            }
        } while true
        return .conditional(branches: branches, otherwise: otherwise, location(start))
    }

    private mutating func parseForIn() throws -> Statement {
        let start = current.start
        advance()
        let nameLocation = location(current.start)
        let name = try parseNewName()
        guard isKeyword(current, "in") else {
            throw error("expected `in` after `for \(name)`, found \(describe(current))", at: current.start)
        }
        advance()
        let sequence = try parseExpression()
        return .forIn(name: name, nameLocation: nameLocation, sequence: sequence, body: try parseLoopBody(),
                      location(start))
    }

    private mutating func parseLoopBody() throws -> [Statement] {
        loopDepth += 1
        defer { loopDepth -= 1 }
        return try parseBlock()
    }

    mutating func parseBlock() throws -> [Statement] {
        try descend()
        defer { depth -= 1 }
        let open = current.start
        guard current.isSymbol("{") else {
            throw error("expected `{` to start a block, found \(describe(current))", at: current.start)
        }
        advance()
        var statements: [Statement] = []
        skipSeparators()
        while !current.isSymbol("}") {
            if current.kind == .end {
                throw error("this `{` is never closed: add a `}` to end the block", at: open)
            }
            statements.append(try parseStatement())
            try expectStatementEnd()
            skipSeparators()
        }
        advance()
        return statements
    }
}
