/// A token of the expression language. Command arguments are not tokenised this way: the
/// parser scans them as words straight from the characters (see `CommandParser`).
struct Token {
    enum Kind: Equatable {
        case identifier(String)
        case int(Int)
        case double(Double)
        case string([StringSegment])
        /// Operators and punctuation: `+ - * / % = += -= == != < <= > >= && || ! ... ..< ( ) [ ] { } , . ; :`
        case symbol(String)
        case newline
        case end
        /// A lexing mistake, reported when the parser reaches it; `incomplete` marks input that
        /// more lines could finish (an open string or comment), for `isComplete`.
        case invalid(String, incomplete: Bool)
    }

    var kind: Kind
    /// Character offsets in the source: `start..<end`.
    var start: Int
    var end: Int

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
}

/// A piece of a string literal: literal text, or the source range of a `\( … )` expression.
enum StringSegment: Equatable {
    case text(String)
    case interpolation(Range<Int>)
}

/// Turns characters into tokens on demand, so that the parser can switch to scanning command
/// arguments as raw words and back (it moves `position` itself).
struct Lexer {
    let source: SourceText
    var position: Int
    /// One past the last character this lexer may read (an interpolation's sub-range).
    let limit: Int
    /// Strings inside interpolations inside strings …, bounded to keep the recursion shallow.
    private var stringDepth = 0

    init(source: SourceText, range: Range<Int>? = nil) {
        self.source = source
        position = range?.lowerBound ?? 0
        limit = range?.upperBound ?? source.count
    }

    func peekCharacter(_ ahead: Int = 0) -> Character? {
        position + ahead < limit ? source[position + ahead] : nil
    }

    private static let threeCharacterSymbols: Set<String> = ["...", "..<"]
    private static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", "+=", "-="]
    private static let oneCharacterSymbols: Set<Character> = [
        "+", "-", "*", "/", "%", "=", "<", ">", "!", "(", ")", "[", "]", "{", "}", ",", ".", ";", ":",
    ]

    mutating func nextToken() -> Token {
        if let problem = skipSpacesAndComments() {
            return Token(kind: problem, start: position, end: position)
        }
        let start = position
        guard let character = peekCharacter() else { return Token(kind: .end, start: start, end: start) }
        let kind: Token.Kind
        if character.isNewline {
            position += 1
            kind = .newline
        } else if character.isLetter || character == "_" {
            kind = .identifier(scanIdentifier())
        } else if character.isASCII, character.isNumber {
            kind = scanNumber()
        } else if character == "\"" {
            kind = scanString()
        } else {
            kind = scanSymbol()
        }
        return Token(kind: kind, start: start, end: position)
    }

    /// Skips blanks and comments (not newlines: they separate statements). Returns an
    /// `.invalid` kind for an unterminated block comment.
    mutating func skipSpacesAndComments() -> Token.Kind? {
        while let character = peekCharacter() {
            if character == " " || character == "\t" || character == "\u{FEFF}" {
                position += 1
            } else if character == "/", peekCharacter(1) == "/" {
                while let c = peekCharacter(), !c.isNewline { position += 1 }
            } else if character == "/", peekCharacter(1) == "*" {
                if let problem = skipBlockComment() { return problem }
            } else {
                return nil
            }
        }
        return nil
    }

    /// Block comments nest, as in Swift.
    private mutating func skipBlockComment() -> Token.Kind? {
        let start = position
        var depth = 0
        while let character = peekCharacter() {
            if character == "/", peekCharacter(1) == "*" {
                depth += 1
                position += 2
            } else if character == "*", peekCharacter(1) == "/" {
                depth -= 1
                position += 2
                if depth == 0 { return nil }
            } else {
                position += 1
            }
        }
        position = start  // so the error points at the opening `/*`
        return .invalid("unterminated comment: `/*` has no matching `*/`", incomplete: true)
    }

    mutating func scanIdentifier() -> String {
        let start = position
        while let c = peekCharacter(), c.isLetter || c.isNumber || c == "_" { position += 1 }
        return source.text(start..<position)
    }

    private mutating func scanDigits() {
        while let c = peekCharacter(), (c.isASCII && c.isNumber) || c == "_" { position += 1 }
    }

    private func isDigit(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isASCII && character.isNumber
    }

    /// `12`, `1_000`, `0.5`, `1e-3`, `2.5E+4`. A `.` counts as a decimal point only when a digit
    /// follows, so `1...5` and `1..<5` lex as ranges.
    private mutating func scanNumber() -> Token.Kind {
        let start = position
        var isDouble = false
        scanDigits()
        if peekCharacter() == ".", isDigit(peekCharacter(1)) {
            isDouble = true
            position += 1
            scanDigits()
        }
        if peekCharacter() == "e" || peekCharacter() == "E" {
            let sign = peekCharacter(1) == "+" || peekCharacter(1) == "-" ? 1 : 0
            if isDigit(peekCharacter(1 + sign)) {
                isDouble = true
                position += 1 + sign
                scanDigits()
            }
        }
        let text = source.text(start..<position).filter { $0 != "_" }
        if !isDouble {
            if let value = Int(text) { return .int(value) }
            return .invalid("integer literal \(text) does not fit in Int (\(Int.min)...\(Int.max))", incomplete: false)
        }
        if let value = Double(text) { return .double(value) }
        return .invalid("malformed number `\(text)`", incomplete: false)
    }

    /// Scans a string literal starting at its opening quote. Interpolations are found by
    /// lexing tokens up to the matching `)`, so strings and parentheses may nest inside them.
    mutating func scanString() -> Token.Kind {
        position += 1
        stringDepth += 1
        defer { stringDepth -= 1 }
        guard stringDepth <= 16 else { return .invalid("strings nested too deeply in interpolations", incomplete: false) }
        var segments: [StringSegment] = []
        var text = ""
        // A bad escape is reported once the closing quote is found, so lexing resumes after the string.
        var problem: String?
        while let character = peekCharacter() {
            position += 1
            if character == "\"" {
                if let problem { return .invalid(problem, incomplete: false) }
                if !text.isEmpty || segments.isEmpty { segments.append(.text(text)) }
                return .string(segments)
            }
            guard character == "\\" else {
                text.append(character)
                continue
            }
            guard let escaped = peekCharacter() else { break }
            position += 1
            switch escaped {
            case "n": text.append("\n")
            case "t": text.append("\t")
            case "r": text.append("\r")
            case "0": text.append("\0")
            case "\\", "\"", "'": text.append(escaped)
            case "u":
                if let scalar = scanUnicodeEscape() {
                    text.append(Character(scalar))
                } else {
                    problem = problem ?? "malformed unicode escape; write it as `\\u{1F600}`"
                }
            case "(":
                if !text.isEmpty { segments.append(.text(text)) }
                text = ""
                switch scanInterpolation() {
                case let .success(range): segments.append(.interpolation(range))
                case let .failure(failure): return failure.kind
                }
            default:
                problem = problem ?? "unknown escape `\\\(escaped)` in string; write `\\\\` for a backslash"
            }
        }
        return .invalid("unterminated string: missing closing `\"`", incomplete: true)
    }

    private mutating func scanUnicodeEscape() -> Unicode.Scalar? {
        guard peekCharacter() == "{" else { return nil }
        position += 1
        var hex = ""
        while let c = peekCharacter(), c != "}" {
            guard c.isHexDigit, hex.count < 8 else { return nil }
            hex.append(c)
            position += 1
        }
        guard peekCharacter() == "}" else { return nil }
        position += 1
        return UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init)
    }

    private struct InterpolationProblem: Error { var kind: Token.Kind }

    private mutating func scanInterpolation() -> Result<Range<Int>, InterpolationProblem> {
        let start = position
        var depth = 0
        while true {
            let token = nextToken()
            switch token.kind {
            case .symbol("("):
                depth += 1
            case .symbol(")"):
                if depth == 0 { return .success(start..<token.start) }
                depth -= 1
            case .end:
                return .failure(InterpolationProblem(kind: .invalid("unterminated string: `\\(` has no matching `)`", incomplete: true)))
            case let .invalid(_, incomplete) where incomplete:
                return .failure(InterpolationProblem(kind: token.kind))
            default:
                // Other mistakes inside are reported when the interpolation is parsed.
                if token.end == token.start {
                    return .failure(InterpolationProblem(kind: .invalid("malformed interpolation", incomplete: false)))
                }
            }
        }
    }

    private mutating func scanSymbol() -> Token.Kind {
        for length in [3, 2] where position + length <= limit {
            let candidate = source.text(position..<position + length)
            if Self.threeCharacterSymbols.contains(candidate) || Self.twoCharacterSymbols.contains(candidate) {
                position += length
                return .symbol(candidate)
            }
        }
        let character = source[position] ?? " "
        position += 1
        if Self.oneCharacterSymbols.contains(character) { return .symbol(String(character)) }
        return .invalid("unexpected character `\(character)`", incomplete: false)
    }
}
