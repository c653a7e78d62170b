import Foundation

/// Reference numbers written by Tests/Fixtures/analysis/make_fixtures.py (numpy, scipy,
/// scikit-learn, ripser).
enum AnalysisFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/analysis")

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct CKA: Decodable {
        struct Pair: Decodable {
            var x: [[Double]]
            var y: [[Double]]
            var cka: Double
        }
        var pairs: [Pair]
        var layers: [[[Double]]]
        var matrix: [[Double]]
    }

    struct Linkage: Decodable {
        struct Cut: Decodable {
            var threshold: Double
            var labels: [Int]
        }
        struct CountCut: Decodable {
            var count: Int
            var labels: [Int]
            var silhouette: Double?
        }
        struct Method: Decodable {
            var merges: [[Double]]
            var cuts: [Cut]
            var maxclust: [CountCut]
        }
        struct Case: Decodable {
            var n: Int
            var condensed: [Double]
            var methods: [String: Method]
        }
        var cases: [Case]
    }

    struct Persistence: Decodable {
        struct Cloud: Decodable {
            var name: String
            var h0: [[Double?]]
            var h1: [[Double?]]
            var max_radius: Double?
            var points: [[Double]]?
            var distances: [[Double]]?
        }
        var clouds: [Cloud]
    }

    /// scipy's 1-based fcluster labels renumbered by first appearance from 0, as `Dendrogram` numbers them.
    static func firstAppearance(_ labels: [Int]) -> [Int] {
        var number: [Int: Int] = [:]
        return labels.map { label in
            if let n = number[label] { return n }
            number[label] = number.count
            return number[label]!
        }
    }
}
