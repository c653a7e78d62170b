import Foundation

/// Shows the progress of long work (load, train, eval, generate, calibration).
///
/// On a terminal: one line redrawn in place with a bar, count, rate, elapsed time, ETA and
/// an optional trailing text, ended with a newline by `finish`. Elsewhere (logs, CI): plain
/// lines at each tenth of the work or every `plainInterval` seconds, never more than one a
/// second, and a last line at `finish`.
///
/// ```swift
/// let progress = ProgressReporter(label: "train", total: steps)
/// for step in 1...steps { …; progress.update(completed: step, detail: "loss \(loss)") }
/// progress.finish()
/// ```
public final class ProgressReporter {
    public enum Style: Equatable {
        /// Redraw one line; `width` nil follows the terminal's width.
        case terminal(width: Int?)
        case plain
    }

    public let style: Style
    /// Seconds between plain lines when no tenth of the work is crossed.
    public var plainInterval: Double = 10
    /// The least time between redraws of the terminal line.
    public var redrawInterval: Double = 0.1

    private var snapshot: ProgressSnapshot
    private let start: Double
    private let clock: () -> Double
    private let write: (String) -> Void
    private var lastOutput: Double?
    private var lastTenth = 0
    private var lastPlainCompleted: Int?
    private var finished = false

    /// - Parameters:
    ///   - style: nil picks `.terminal` when standard error is a terminal, else `.plain`.
    ///   - write: where the text goes (standard error by default, so results on standard
    ///     output stay clean).
    ///   - clock: seconds from any fixed origin (tests pass a fake).
    public init(label: String, total: Int?, unit: String = "it", style: Style? = nil,
                write: ((String) -> Void)? = nil, clock: (() -> Double)? = nil) {
        self.style = style ?? (isatty(STDERR_FILENO) == 1 ? .terminal(width: nil) : .plain)
        self.write = write ?? { text in fputs(text, stderr); fflush(stderr) }
        self.clock = clock ?? { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        start = self.clock()
        snapshot = ProgressSnapshot(label: label, completed: 0, total: total.map { max(0, $0) }, unit: unit, elapsed: 0)
    }

    /// Items already done when this run began (a resumed run's checkpoint), so that the rate
    /// and the ETA count only the work done since.
    public var startedAt: Int {
        get { snapshot.startedAt }
        set { snapshot.startedAt = max(0, newValue) }
    }

    /// Reports that `completed` items are done; `detail` replaces the trailing text when given.
    public func update(completed: Int, detail: String? = nil) {
        guard !finished else { return }
        snapshot.completed = max(0, completed)
        if let detail { snapshot.detail = detail }
        let now = clock()
        snapshot.elapsed = now - start
        switch style {
        case let .terminal(width):
            if let last = lastOutput, now - last < redrawInterval, snapshot.completed != snapshot.total { return }
            draw(width: width)
            lastOutput = now
        case .plain:
            if shouldWritePlainLine(at: now) { writePlainLine(at: now) }
        }
    }

    /// Adds `count` to the completed items.
    public func advance(by count: Int = 1, detail: String? = nil) {
        update(completed: snapshot.completed + count, detail: detail)
    }

    /// Shows the final state and ends the output with a newline; later calls do nothing.
    public func finish(detail: String? = nil) {
        guard !finished else { return }
        if let detail { snapshot.detail = detail }
        let now = clock()
        snapshot.elapsed = now - start
        switch style {
        case let .terminal(width):
            draw(width: width)
            write("\n")
        case .plain:
            if lastPlainCompleted != snapshot.completed || detail != nil { writePlainLine(at: now) }
        }
        finished = true
    }

    private func draw(width: Int?) {
        let columns = width ?? TerminalSize.columns(of: STDERR_FILENO)
        // \r returns to the line's start; ESC[K clears what a longer earlier line left.
        write("\r" + ProgressFormat.terminalLine(snapshot, width: columns) + "\u{1B}[K")
    }

    private func shouldWritePlainLine(at now: Double) -> Bool {
        let sinceLast = now - (lastOutput ?? start)
        guard sinceLast >= 1 else { return false }
        if let fraction = snapshot.fraction, Int(fraction * 10) > lastTenth { return true }
        return sinceLast >= plainInterval
    }

    private func writePlainLine(at now: Double) {
        write(ProgressFormat.plainLine(snapshot) + "\n")
        lastOutput = now
        lastPlainCompleted = snapshot.completed
        if let fraction = snapshot.fraction { lastTenth = Int(fraction * 10) }
    }
}
