import Foundation

/// A value axis shared by the SVG and terminal drawings: the span drawn, the ticks and their
/// labels. Linear axes get "nice" ticks (1, 2 or 5 × 10^k); log axes get powers of ten when the
/// data spans a decade or more. Non-finite values (and, on a log axis, values ≤ 0) are ignored.
struct AxisScale {
    let lower: Double
    let upper: Double
    let logarithmic: Bool
    let ticks: [Double]
    /// The spacing of linear ticks, for choosing how many decimals their labels show.
    private let step: Double

    init(values: [Double], logarithmic: Bool = false, includeZero: Bool = false, targetTicks: Int = 5) {
        let usable = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        if logarithmic, let low = usable.min(), let high = usable.max() {
            let (a, b) = (log10(low), log10(high))
            if b - a >= 1 {
                let first = floor(a), last = ceil(b)
                self.init(lower: first, upper: last, logarithmic: true,
                          ticks: stride(from: first, through: last, by: max(1, ((last - first) / 6).rounded(.up))).map { $0 },
                          step: 1)
                return
            }
            // Less than a decade: linear ticks, placed on the log axis.
            let linear = AxisScale(values: usable, targetTicks: targetTicks)
            let ticks = linear.ticks.filter { $0 > 0 }.map(log10)
            let lower = min(a, ticks.first ?? a), upper = max(b, ticks.last ?? b)
            self.init(lower: lower, upper: upper == lower ? lower + 1 : upper, logarithmic: true, ticks: ticks, step: linear.step)
            return
        }
        var low = usable.min() ?? 0, high = usable.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if high == low {
            // One value: a span around it so it sits mid-axis.
            let pad = low == 0 ? 1 : abs(low) * 0.5
            low -= pad
            high += pad
        }
        let step = AxisScale.niceStep((high - low) / Double(max(1, targetTicks)))
        let first = floor(low / step) * step, last = ceil(high / step) * step
        let steps = ((last - first) / step).rounded()
        guard steps.isFinite, steps <= 1000, first.isFinite, last.isFinite else {
            // A span too wide for ticks (values near ±Double.greatestFiniteMagnitude): its ends only.
            self.init(lower: low, upper: high, logarithmic: false, ticks: [low, high].filter(\.isFinite), step: abs(high - low))
            return
        }
        let count = Int(steps)
        self.init(lower: first, upper: last, logarithmic: false,
                  ticks: (0...max(0, count)).map { first + Double($0) * step }, step: step)
    }

    private init(lower: Double, upper: Double, logarithmic: Bool, ticks: [Double], step: Double) {
        self.lower = lower
        self.upper = upper
        self.logarithmic = logarithmic
        self.ticks = ticks
        self.step = step
    }

    /// Where `value` sits along the axis, 0 at `lower` and 1 at `upper`; nil when it cannot be drawn.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        let v: Double
        if logarithmic {
            guard value > 0 else { return nil }
            v = log10(value)
        } else {
            v = value
        }
        return upper > lower ? (v - lower) / (upper - lower) : 0.5
    }

    /// The label of tick `tick` (a position on the axis: a log10 exponent on log axes).
    func label(_ tick: Double) -> String {
        if logarithmic && step == 1 { return AxisScale.format(pow(10, tick)) }
        return AxisScale.format(logarithmic ? pow(10, tick) : tick, step: step)
    }

    /// The value at a fraction of the axis (for terminal axis labels).
    func value(atFraction f: Double) -> Double {
        let v = lower + f * (upper - lower)
        return logarithmic ? pow(10, v) : v
    }

    /// 1, 2 or 5 × 10^k, the nearest at or above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        let fraction = rough / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A short label: as many decimals as `step` needs, exponent form for very large or small values.
    static func format(_ value: Double, step: Double? = nil) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "∞" : "-∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e6 || magnitude < 1e-3 { return String(format: "%.2g", value) }
        let decimals: Int
        if let step, step > 0 {
            decimals = max(0, min(6, Int(-floor(log10(step) + 1e-9))))
        } else {
            decimals = magnitude >= 100 ? 0 : magnitude >= 1 ? 2 : 3
        }
        var text = String(format: "%.\(decimals)f", value)
        if step == nil, text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
