import CEdit
import Foundation

/// The result of reading one line.
public enum LineReadResult: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: the line being typed is dropped.
    case interrupted
    /// Ctrl-D at an empty prompt, or the end of piped input.
    case endOfInput
}

/// Where the REPL reads its lines from; `LineEditor` on a terminal, a fake in tests.
public protocol LineSource: AnyObject {
    func readLine(prompt: String) -> LineReadResult
    /// Records a complete statement in the history (the REPL calls it once per statement).
    func remember(_ entry: String)
}

/// Line editing through libedit on a terminal: emacs key bindings, persistent history
/// (Up/Down, Ctrl-R reverse incremental search), Tab completion through a
/// `CompletionProvider`, and Ctrl-C that clears the line instead of ending the process.
///
/// When standard input is not a terminal (a pipe, a file) it reads plain lines and prints
/// no prompt and no escape sequences.
public final class LineEditor: LineSource {
    /// Whether lines come from a terminal through libedit.
    public let isInteractive: Bool
    public var completion: CompletionProvider?
    public private(set) var history: CommandHistory

    private var editLine: OpaquePointer?
    private var libeditHistory: OpaquePointer?
    private var prompt: UnsafeMutablePointer<CChar>?
    private var interruptedByKey = false
    private var reportedSaveFailure = false

    /// - Parameters:
    ///   - history: where entries go; by default the per-user file.
    ///   - completion: what Tab offers; nil makes Tab beep.
    ///   - interactive: overrides the terminal check (standard input and output both ttys).
    public init(history: CommandHistory = CommandHistory(file: CommandHistory.defaultFile()),
                completion: CompletionProvider? = nil, interactive: Bool? = nil) {
        self.history = history
        self.completion = completion
        isInteractive = interactive ?? (isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1)
        if isInteractive { setUpLibedit() }
    }

    deinit {
        if let editLine { el_end(editLine) }
        if let libeditHistory { history_end(libeditHistory) }
        free(prompt)
    }

    public func readLine(prompt text: String) -> LineReadResult {
        guard let editLine else {
            guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
            return .line(line)
        }
        free(prompt)
        prompt = strdup(text)
        interruptedByKey = false
        el_resize(editLine)  // the terminal may have been resized while work ran
        while true {
            var count: Int32 = 0
            guard let raw = el_gets(editLine, &count), count > 0 else {
                if count < 0, errno == EINTR { continue }
                if interruptedByKey { return .interrupted }
                fputs("\n", stdout)  // Ctrl-D leaves the cursor after the prompt
                return .endOfInput
            }
            if interruptedByKey { return .interrupted }
            var line = String(cString: raw)
            if line.hasSuffix("\n") { line.removeLast() }
            return .line(line)
        }
    }

    public func remember(_ entry: String) {
        guard isInteractive, history.add(entry) else { return }
        do {
            try history.save()
        } catch {
            if !reportedSaveFailure {
                fputs("warning: history not saved: \(error.localizedDescription)\n", stderr)
                reportedSaveFailure = true
            }
        }
        syncLibeditHistory()
    }

    // MARK: libedit

    private func setUpLibedit() {
        guard let editLine = el_init("strata", stdin, stdout, stderr) else { return }
        self.editLine = editLine
        strata_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        strata_el_set_prompt(editLine, { el in LineEditor.owner(of: el)?.prompt })
        libeditHistory = history_init()
        if let libeditHistory {
            strata_history_set_size(libeditHistory, Int32(history.limit))
            strata_el_set_history(editLine, libeditHistory)
        }
        strata_el_add_function(editLine, "strata-complete", "Complete the word before the cursor") { el, _ in
            LineEditor.owner(of: el)?.completeWord() ?? UInt8(CC_ERROR)
        }
        strata_el_add_function(editLine, "strata-interrupt", "Drop the line being typed") { el, _ in
            LineEditor.owner(of: el)?.dropLine() ?? UInt8(CC_ERROR)
        }
        // Ctrl-C reaches the editor as a key (no SIGINT while editing), so it can drop the
        // line; outside the editor the terminal's settings are untouched and Ctrl-C signals.
        for command in [["bind", "-e"], ["bind", "^R", "em-inc-search-prev"], ["bind", "^I", "strata-complete"],
                        ["bind", "^C", "strata-interrupt"], ["setty", "-d", "-isig"]] {
            parse(command)
        }
        el_source(editLine, nil)  // the user's ~/.editrc, if any, may rebind keys
        syncLibeditHistory()
    }

    private func parse(_ words: [String]) {
        guard let editLine else { return }
        let arguments = words.map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        var pointers = arguments.map { UnsafePointer<CChar>($0) }
        el_parse(editLine, Int32(pointers.count), &pointers)
    }

    private func syncLibeditHistory() {
        guard let libeditHistory else { return }
        strata_history_clear(libeditHistory)
        for entry in history.entries { strata_history_enter(libeditHistory, entry) }
    }

    private static func owner(of editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = strata_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    /// The buffer and the cursor's UTF-8 offset.
    private func currentLine() -> (text: String, cursor: Int)? {
        guard let editLine, let info = el_line(editLine)?.pointee,
              let buffer = info.buffer, let cursor = info.cursor, let last = info.lastchar else { return nil }
        let length = last - buffer
        let bytes = UnsafeRawBufferPointer(start: buffer, count: max(0, length))
        return (String(decoding: bytes, as: UTF8.self), cursor - buffer)
    }

    private func completeWord() -> UInt8 {
        guard let editLine, let completion, let (text, cursor) = currentLine() else { return UInt8(CC_REFRESH_BEEP) }
        let result = completion.complete(line: text, cursor: cursor)
        switch CompletionEdit(result, line: text) {
        case .none:
            return UInt8(CC_REFRESH_BEEP)
        case let .replace(deleting, insert):
            if deleting > 0 { el_deletestr(editLine, Int32(deleting)) }
            return el_insertstr(editLine, insert) == 0 ? UInt8(CC_REFRESH) : UInt8(CC_REFRESH_BEEP)
        case let .list(candidates):
            let rows = CompletionEdit.listing(candidates, width: TerminalSize.columns())
            fputs("\n" + rows.joined(separator: "\n") + "\n", stdout)
            fflush(stdout)
            return UInt8(CC_REDISPLAY)
        }
    }

    /// Ctrl-C: shows `^C` at the end of the line, then ends it; `readLine` reports `.interrupted`.
    private func dropLine() -> UInt8 {
        guard let editLine, let (text, cursor) = currentLine() else { return UInt8(CC_ERROR) }
        interruptedByKey = true
        // el_cursor counts characters (libedit keeps the line as wide characters).
        let after = String(decoding: Array(text.utf8)[min(cursor, text.utf8.count)...], as: UTF8.self)
        el_cursor(editLine, Int32(after.unicodeScalars.count))
        el_insertstr(editLine, "^C")
        el_push(editLine, "\n")  // ed-newline moves below the line the way Enter does
        return UInt8(CC_REFRESH)
    }
}
