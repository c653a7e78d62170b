import Foundation

/// The read–evaluate loop: reads a statement (joining continuation lines until
/// `isComplete` accepts it), records it in the history and evaluates it with Ctrl-C mapped
/// to interrupting the work. It ends at Ctrl-D on an empty prompt, the end of piped input,
/// or `stop()`; nothing a statement does ends it otherwise.
public final class REPLLoop {
    public let editor: LineSource
    public let prompt: String
    /// Shown for the second and later lines of a statement, as wide as `prompt`.
    public let continuationPrompt: String
    /// Whether `run` installs the process-wide Ctrl-C handling (tests turn it off).
    public var handlesInterrupts = true

    private let evaluate: (String) throws -> Void
    private let isComplete: (String) -> Bool
    private var stopRequested = false

    /// - Parameters:
    ///   - evaluate: runs one statement and reports its own results and errors; anything it
    ///     throws is printed to standard error and the loop goes on.
    ///   - isComplete: whether a buffer is a whole statement (false for an open `{`, `(`,
    ///     `[` or string), so that the loop reads another line.
    public init(editor: LineSource, evaluate: @escaping (String) throws -> Void,
                isComplete: @escaping (String) -> Bool, prompt: String = "strata> ", continuationPrompt: String? = nil) {
        self.editor = editor
        self.evaluate = evaluate
        self.isComplete = isComplete
        self.prompt = prompt
        self.continuationPrompt = continuationPrompt ?? Self.continuation(for: prompt)
    }

    /// `strata> ` → `   ...> `: dots right-aligned under the prompt.
    static func continuation(for prompt: String) -> String {
        let marker = "...> "
        let width = prompt.count
        return width > marker.count ? String(repeating: " ", count: width - marker.count) + marker : marker
    }

    /// Ends the loop after the statement being evaluated (the `quit` command calls it).
    public func stop() { stopRequested = true }

    /// Reads and evaluates statements until the input ends or `stop()` is called.
    public func run() {
        stopRequested = false
        if handlesInterrupts {
            InterruptSignal.shared.install()
            let interactive = (editor as? LineEditor)?.isInteractive ?? false
            // With piped input, Ctrl-C between statements ends the process as it would a shell.
            InterruptSignal.shared.whenIdle = interactive ? nil : { exit(130) }
        }
        while !stopRequested, let statement = readStatement() {
            guard !statement.allSatisfy(\.isWhitespace) else { continue }
            editor.remember(statement)
            let work = {
                do { try self.evaluate(statement) } catch { fputs("error: \(error)\n", stderr) }
            }
            if handlesInterrupts { InterruptSignal.shared.whileWorking(work) } else { work() }
        }
    }

    /// The next statement, or nil at the end of input. Ctrl-C drops the lines read so far;
    /// input that ends inside a statement returns it, so that its error gets reported.
    func readStatement() -> String? {
        var buffer: String?
        while true {
            switch editor.readLine(prompt: buffer == nil ? prompt : continuationPrompt) {
            case .interrupted:
                buffer = nil
            case .endOfInput:
                return buffer
            case let .line(line):
                let joined = buffer.map { $0 + "\n" + line } ?? line
                if joined.allSatisfy(\.isWhitespace) || isComplete(joined) { return joined }
                buffer = joined
            }
        }
    }
}
