import Compute

/// An error in a script or REPL input: what went wrong and where.
///
/// Printed, it reads like a compiler diagnostic, with the source line and a caret:
///
///     run.strata:3:9: error: unknown variable `acuracy`; did you mean `accuracy`?
///         print(acuracy)
///               ^
public struct ScriptError: Error, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation
    /// The script's file name, when it came from a file.
    public var fileName: String?
    /// The text of the line the error points into (filled in by the interpreter).
    public var sourceLine: String?
    /// The error a command threw, when this wraps one (e.g. `Interrupted`).
    public var underlying: Error?

    public init(_ message: String, at location: SourceLocation, fileName: String? = nil,
                sourceLine: String? = nil, underlying: Error? = nil) {
        self.message = message
        self.location = location
        self.fileName = fileName
        self.sourceLine = sourceLine
        self.underlying = underlying
    }

    /// Whether the work stopped because of Ctrl-C rather than a mistake.
    public var isInterruption: Bool { underlying is Interrupted }

    /// `file:line:column: error: message`, without the quoted source line.
    public var summary: String {
        let place = fileName.map { "\($0):\(location)" } ?? "\(location)"
        return "\(place): error: \(message)"
    }

    public var description: String {
        guard let line = sourceLine else { return summary }
        // Keep tabs in the caret's indentation so it lines up under tab-indented code.
        let prefix = line.prefix(max(0, location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(summary)\n    \(line)\n    \(prefix)^"
    }
}

extension ScriptError {
    /// Attaches the file name and quoted line, unless already present.
    func located(in source: SourceText) -> ScriptError {
        var error = self
        if error.fileName == nil { error.fileName = source.fileName }
        if error.sourceLine == nil { error.sourceLine = source.line(location.line) }
        return error
    }
}
