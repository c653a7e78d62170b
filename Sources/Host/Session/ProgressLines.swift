import Foundation

/// Progress of long work on standard error — never on standard output, so notebooks and
/// `--json` output stay deterministic. At most one line per second, plus the last.
final class ProgressLines {
    private let label: String
    private var lastPrint = 0.0
    private let started = Date()
    private var pending: String?

    init(label: String) { self.label = label }

    func update(done: Int, total: Int, detail: String) {
        let now = Date().timeIntervalSince(started)
        let rate = now > 0 ? Double(done) / now : 0
        let eta = rate > 0 && total > done ? String(format: " ETA %.0fs", Double(total - done) / rate) : ""
        let line = "\(label) \(done)/\(total) \(detail) (\(String(format: "%.2f", rate))/s\(eta))"
        if now - lastPrint >= 1 || done == total {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastPrint = now
            pending = nil
        } else {
            pending = line
        }
    }

    func finish() {
        if let pending { FileHandle.standardError.write(Data((pending + "\n").utf8)) }
        pending = nil
    }
}
