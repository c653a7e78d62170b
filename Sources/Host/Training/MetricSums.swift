/// Weighted sums of named metrics over several batches (validation), giving their means in
/// the order the names first appeared.
struct MetricSums {
    private var names: [String] = []
    private var sums: [String: (total: Double, weight: Double)] = [:]

    /// Adds one batch's metrics, each weighted by `weight` (its rows or pairs).
    mutating func add(_ metrics: [(String, Double)], weight: Int) {
        for (name, value) in metrics {
            if sums[name] == nil { names.append(name) }
            let previous = sums[name] ?? (0, 0)
            sums[name] = (previous.total + value * Double(weight), previous.weight + Double(weight))
        }
    }

    /// The weighted mean of every metric.
    var means: [(String, Double)] {
        names.compactMap { name in
            guard let sum = sums[name], sum.weight > 0 else { return nil }
            return (name, sum.total / sum.weight)
        }
    }
}
