import Foundation

/// A snapshot of long work, as the progress reporter shows it.
public struct ProgressSnapshot: Equatable {
    public var label: String
    public var completed: Int
    /// Items already done when this run began (a resumed run's checkpoint): the rate and the
    /// ETA count only this run's work, which the elapsed time measures.
    public var startedAt: Int
    /// nil when the amount of work is not known in advance (no bar, no ETA).
    public var total: Int?
    /// What is counted: "it", "tok", "batch", "item".
    public var unit: String
    public var elapsed: Double
    /// Trailing text such as "loss 1.23".
    public var detail: String?

    public init(label: String, completed: Int, total: Int?, unit: String = "it", elapsed: Double, detail: String? = nil,
                startedAt: Int = 0) {
        self.label = label
        self.completed = completed
        self.startedAt = startedAt
        self.total = total
        self.unit = unit
        self.elapsed = elapsed
        self.detail = detail
    }

    /// This run's items per second so far (0 before any time has passed).
    public var rate: Double { elapsed > 0 ? Double(max(0, completed - startedAt)) / elapsed : 0 }

    /// Seconds left at the rate so far; nil without a total or a rate.
    public var remaining: Double? {
        guard let total, rate > 0 else { return nil }
        return Double(max(0, total - completed)) / rate
    }

    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, max(0, Double(completed) / Double(total)))
    }
}

/// Deterministic text for progress output: durations, rates, bars and whole lines.
public enum ProgressFormat {
    /// `0s`, `42s`, `1m05s`, `12m00s`, `1h02m`, `26h40m`; `?` for a value that is not finite.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m" + twoDigits(total % 60) + "s" }
        return "\(total / 3600)h" + twoDigits((total % 3600) / 60) + "m"
    }

    /// `3.10 it/s`, `24.5 tok/s`, `1.2k tok/s`; below one per second `4.0 s/it`.
    public static func rate(_ perSecond: Double, unit: String) -> String {
        guard perSecond.isFinite, perSecond > 0 else { return "- \(unit)/s" }
        if perSecond < 1 { return String(format: "%.1f", 1 / perSecond) + " s/\(unit)" }
        let number: String
        switch perSecond {
        case 1000...: number = String(format: "%.1fk", perSecond / 1000)
        case 100...: number = String(format: "%.0f", perSecond)
        case 10...: number = String(format: "%.1f", perSecond)
        default: number = String(format: "%.2f", perSecond)
        }
        return "\(number) \(unit)/s"
    }

    /// A bar of `width` cells, filled in eighths of a cell: `█████▌    `.
    public static func bar(_ fraction: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let clamped = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let eighths = Int((clamped * Double(width * 8)).rounded(.down))
        let full = eighths / 8
        let partial = eighths % 8
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var result = String(repeating: "█", count: full)
        if full < width {
            result += partial > 0 ? partials[partial] : " "
            result += String(repeating: " ", count: width - full - 1)
        }
        return result
    }

    /// `12/200` or, without a total, `12 tok`.
    static func count(_ snapshot: ProgressSnapshot) -> String {
        if let total = snapshot.total { return "\(snapshot.completed)/\(total)" }
        return "\(snapshot.completed) \(snapshot.unit)"
    }

    /// The terminal line, fitted to `width` columns:
    /// `train [████▌     ] 42/200 21% 3.10 it/s 13s eta 51s loss 1.23`.
    /// The bar shrinks first; on a very narrow terminal it is left out.
    public static func terminalLine(_ snapshot: ProgressSnapshot, width: Int) -> String {
        var stats = [count(snapshot)]
        if let fraction = snapshot.fraction { stats.append("\(Int((fraction * 100).rounded(.down)))%") }
        stats.append(rate(snapshot.rate, unit: snapshot.unit))
        stats.append(duration(snapshot.elapsed))
        if snapshot.total != nil { stats.append("eta " + (snapshot.remaining.map(duration) ?? "?")) }
        if let detail = snapshot.detail, !detail.isEmpty { stats.append(detail) }
        let text = stats.joined(separator: " ")

        let available = width - 1  // never write into the last column: some terminals wrap there
        if let fraction = snapshot.fraction {
            let barWidth = min(30, available - snapshot.label.count - text.count - 4)
            if barWidth >= 5 { return "\(snapshot.label) [\(bar(fraction, width: barWidth))] \(text)" }
        }
        let line = "\(snapshot.label) \(text)"
        return line.count > available ? String(line.prefix(max(0, available))) : line
    }

    /// The plain line written to logs: `train 42/200 (21%) 3.10 it/s elapsed 13s eta 51s loss 1.23`.
    public static func plainLine(_ snapshot: ProgressSnapshot) -> String {
        var parts = [snapshot.label, count(snapshot)]
        if let fraction = snapshot.fraction { parts.append("(\(Int((fraction * 100).rounded(.down)))%)") }
        parts.append(rate(snapshot.rate, unit: snapshot.unit))
        parts.append("elapsed " + duration(snapshot.elapsed))
        if snapshot.total != nil, snapshot.fraction != 1 {
            parts.append("eta " + (snapshot.remaining.map(duration) ?? "?"))
        }
        if let detail = snapshot.detail, !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: " ")
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
