/// The syntax tree the parser builds and the interpreter walks.

/// An expression and where it starts (errors in evaluating it point there).
indirect enum Expression {
    case literal(Value, SourceLocation)
    /// `"a \(x) b"`: text pieces and expressions, concatenated through `description`.
    case interpolated([InterpolationPart], SourceLocation)
    case variable(String, SourceLocation)
    /// A bare word among command arguments: the variable's value if one is in scope,
    /// else the word itself as a string (`use dham G=g` inside `for g in 2...6`).
    case word(String, SourceLocation)
    case array([Expression], SourceLocation)
    /// `a...b` (closed) or `a..<b`; evaluates to an array of Int.
    case range(Expression, Expression, closed: Bool, SourceLocation)
    case unary(String, Expression, SourceLocation)
    /// `location` is the operator's, so a type mismatch points at the operator.
    case binary(String, Expression, Expression, SourceLocation)
    case member(Expression, String, SourceLocation)
    case index(Expression, Expression, SourceLocation)
    case call(String, [Expression], SourceLocation)
    case command(CommandSyntax)

    var location: SourceLocation {
        switch self {
        case let .literal(_, l), let .interpolated(_, l), let .variable(_, l), let .word(_, l), let .array(_, l),
             let .range(_, _, _, l), let .unary(_, _, l), let .member(_, _, l), let .index(_, _, l), let .call(_, _, l):
            return l
        case let .binary(_, left, _, _):
            return left.location
        case let .command(command):
            return command.location
        }
    }
}

enum InterpolationPart {
    case text(String)
    case expression(Expression)
}

/// A command statement before its arguments are evaluated.
struct CommandSyntax {
    enum Argument {
        case positional(Expression)
        case named(String, Expression)
        case flag(String)
    }

    var name: String
    var arguments: [Argument]
    var location: SourceLocation
}

/// A statement and where it starts.
indirect enum Statement {
    /// `let`/`var name = value`
    case declaration(name: String, isConstant: Bool, value: Expression, SourceLocation)
    /// `name = value`, `name += value`, `name -= value` (`operator` is "=", "+" or "-").
    case assignment(name: String, operator: String, value: Expression, SourceLocation)
    case expression(Expression)
    case block([Statement], SourceLocation)
    /// `if c1 { } else if c2 { } else { }`: the branches in order, then the final `else`.
    case conditional(branches: [(condition: Expression, body: [Statement])], otherwise: [Statement]?, SourceLocation)
    /// `for name in sequence { }`; `nameLocation` is where the loop constant is declared.
    case forIn(name: String, nameLocation: SourceLocation, sequence: Expression, body: [Statement], SourceLocation)
    case whileLoop(condition: Expression, body: [Statement], SourceLocation)
    case breakLoop(SourceLocation)
    case continueLoop(SourceLocation)
}
