import Foundation

/// Command statements: `name arg arg …` up to the end of the statement (a newline, `;`, `}`,
/// or the `)` of a parenthesised command). Arguments are scanned as words from the characters,
/// not as tokens, so paths and lists read naturally:
///
/// - `--flag` → a flag;
/// - `key=value` → a named argument (the key may contain `.` and `-`);
/// - a value is a string literal (`"…"`, with interpolation), `( expression )`, `[ array ]`, or
///   a word running to the next blank. A word is `true`/`false`, a number (`16`, `2e-3`, `-1`),
///   a range (`0...7`, `0..<n`: an array of Int), a bare identifier (the value of the variable of
///   that name if one is in scope, else the word as a string), or anything else as a string
///   (`Plugins/DHAM`, `q,k,v,o`, `~/models/x.gguf`);
/// - a word joined to a string literal (`text:"Solve step by step."`) is one string.
///
/// A comment (`//`, `/* */`) may follow an argument after a blank.
extension Parser {
    mutating func parseCommand(insideParens: Bool) throws -> CommandSyntax {
        guard case let .identifier(name) = current.kind else {
            throw error("expected a command, found \(describe(current))", at: current.start)
        }
        var command = CommandSyntax(name: name, arguments: [], location: location(current.start))
        var offset = current.end
        while true {
            offset = try skipBlanks(from: offset, acrossLines: insideParens)
            guard let character = character(at: offset) else { break }
            if character.isNewline || character == ";" || character == "}" || character == ")" { break }
            if command.arguments.isEmpty, character == "=" || nextIs("+=", at: offset) || nextIs("-=", at: offset),
               !nextIs("==", at: offset) {
                throw error("`\(name)` is a command and cannot be assigned to; use another variable name", at: offset)
            }
            if character == "{" || character == "]" {
                throw error("unexpected `\(character)` in the arguments of `\(name)`", at: offset)
            }
            let argument: CommandSyntax.Argument
            (argument, offset) = try parseCommandArgument(at: offset)
            command.arguments.append(argument)
            try expectArgumentEnd(at: offset)
        }
        resume(at: offset)
        return command
    }

    func character(at offset: Int) -> Character? {
        offset < lexer.limit ? source[offset] : nil
    }

    private func nextIs(_ text: String, at offset: Int) -> Bool {
        text.enumerated().allSatisfy { character(at: offset + $0.offset) == $0.element }
    }

    private mutating func skipBlanks(from offset: Int, acrossLines: Bool) throws -> Int {
        lexer.position = offset
        while true {
            if let problem = lexer.skipSpacesAndComments(), case let .invalid(message, _) = problem {
                throw error(message, at: lexer.position)
            }
            guard acrossLines, let c = lexer.peekCharacter(), c.isNewline else { return lexer.position }
            lexer.position += 1
        }
    }

    private func expectArgumentEnd(at offset: Int) throws {
        guard let c = character(at: offset), !(c.isWhitespace || c == ";" || c == "}" || c == ")") else { return }
        throw error("unexpected `\(c)` after a command argument; separate arguments with a space", at: offset)
    }

    /// Characters that end a word (besides blanks).
    private static let wordTerminators: Set<Character> = [";", "(", ")", "[", "]", "{", "}", "\""]

    private func wordEnd(from offset: Int) -> Int {
        var end = offset
        while let c = character(at: end), !c.isWhitespace, !Parser.wordTerminators.contains(c) { end += 1 }
        return end
    }

    private mutating func parseCommandArgument(at offset: Int) throws -> (CommandSyntax.Argument, Int) {
        if nextIs("--", at: offset), let first = character(at: offset + 2), first.isLetter {
            let end = wordEnd(from: offset)
            let flag = source.text(offset + 2..<end)
            guard flag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw error("malformed flag `--\(flag)`: use letters, digits and `-`", at: offset)
            }
            return (.flag(flag), end)
        }
        if let first = character(at: offset), first.isLetter || first == "_" {
            var keyEnd = offset
            while let c = character(at: keyEnd), c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" {
                keyEnd += 1
            }
            if character(at: keyEnd) == "=", character(at: keyEnd + 1) != "=" {
                let key = source.text(offset..<keyEnd)
                let (value, end) = try parseArgumentValue(at: keyEnd + 1, key: key)
                return (.named(key, value), end)
            }
        }
        let (value, end) = try parseArgumentValue(at: offset, key: nil)
        return (.positional(value), end)
    }

    private mutating func parseArgumentValue(at offset: Int, key: String?) throws -> (Expression, Int) {
        let here = location(offset)
        switch character(at: offset) {
        case "\"":
            let (segments, end) = try scanStringLiteral(at: offset)
            return (try stringExpression(segments, at: here), end)
        case "(", "[":
            resume(at: offset)
            let value = try parsePrimary()
            return (value, previousEnd)
        default:
            break
        }
        let end = wordEnd(from: offset)
        guard end > offset else {
            let found = character(at: offset).map { "`\($0)`" } ?? "the end of the input"
            let what = key.map { "a value after `\($0)=`" } ?? "an argument"
            throw error("expected \(what), found \(found)", at: offset)
        }
        let word = source.text(offset..<end)
        if character(at: end) == "\"" {
            let (segments, stringEnd) = try scanStringLiteral(at: end)
            let literal = try stringExpression(segments, at: location(end))
            switch literal {
            case let .literal(.string(text), _): return (.literal(.string(word + text), here), stringEnd)
            case let .interpolated(parts, _): return (.interpolated([.text(word)] + parts, here), stringEnd)
            default: return (literal, stringEnd)
            }
        }
        return (classify(word, at: here), end)
    }

    private mutating func scanStringLiteral(at offset: Int) throws -> ([StringSegment], Int) {
        lexer.position = offset
        let token = lexer.nextToken()
        switch token.kind {
        case let .string(segments): return (segments, token.end)
        case let .invalid(message, _): throw error(message, at: offset)
        default: throw error("expected a string", at: offset)
        }
    }

    /// What a bare word means; see the rules at the top of this file.
    private func classify(_ word: String, at location: SourceLocation) -> Expression {
        if word == "true" || word == "false" { return .literal(.bool(word == "true"), location) }
        if Parser.isIdentifier(word) { return .word(word, location) }
        if let number = Parser.number(word) { return .literal(number, location) }
        for (symbol, closed) in [("...", true), ("..<", false)] {
            guard let split = word.range(of: symbol) else { continue }
            let bounds = [String(word[..<split.lowerBound]), String(word[split.upperBound...])].map { bound -> Expression? in
                if case let .int(value)? = Parser.number(bound) { return .literal(.int(value), location) }
                return Parser.isIdentifier(bound) ? .word(bound, location) : nil
            }
            if let lower = bounds[0], let upper = bounds[1] { return .range(lower, upper, closed: closed, location) }
        }
        return .literal(.string(word), location)
    }

    static func isIdentifier(_ word: String) -> Bool {
        guard let first = word.first, first.isLetter || first == "_" else { return false }
        return word.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !keywords.contains(word)
    }

    /// `16` → Int, `2e-3`, `0.5`, `-1.25` → Double; nil for anything else (`1.5B`, `inf`).
    static func number(_ word: String) -> Value? {
        let digits = word.hasPrefix("-") ? word.dropFirst() : Substring(word)
        guard let first = digits.first, first.isASCII, first.isNumber,
              digits.allSatisfy({ ($0.isASCII && $0.isNumber) || "._eE+-".contains($0) }) else { return nil }
        let plain = word.filter { $0 != "_" }
        if let value = Int(plain) { return .int(value) }
        if let value = Double(plain), value.isFinite { return .double(value) }
        return nil
    }
}
