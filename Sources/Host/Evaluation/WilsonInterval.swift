import Foundation

/// The Wilson score interval of a binomial proportion: the accuracy's confidence interval.
///
/// Unlike the normal ("Wald") interval it stays inside [0, 1] and does not collapse to a point
/// at 0/n or n/n, which matters for the small n of quick evaluations (Wilson, "Probable
/// inference, the law of succession, and statistical inference", JASA 1927):
///
///     centre = (p̂ + z²/2n) / (1 + z²/n)
///     half   = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²)
public enum WilsonInterval {
    /// z of a two-sided 95% interval: Φ⁻¹(0.975).
    public static let z95 = 1.959963984540054

    /// The interval for `successes` of `trials`; [0, 1] when there are no trials.
    public static func interval(successes: Int, trials: Int, z: Double = z95) -> ClosedRange<Double> {
        guard trials > 0 else { return 0...1 }
        let n = Double(trials)
        let p = Double(min(max(successes, 0), trials)) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, centre - half)...min(1, centre + half)
    }
}
