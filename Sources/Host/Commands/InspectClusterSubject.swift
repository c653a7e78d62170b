import Compute
import PluginAPI

/// `inspect cluster file=M.csv …`: agglomerative clustering of a square distance (or similarity)
/// matrix — the hierarchy step of DHAM on any data.
enum InspectClusterSubject {
    static let usage = "inspect cluster file=M.csv|M.npy [kind=distance|similarity] [linkage=average|single|complete|ward] [k=G | threshold=t]"

    static let subject = InspectSubject(
        name: "cluster", usage: usage,
        summary: "Hierarchical clustering of a square distance/similarity matrix: labels, merges, silhouette, dendrogram. Without k or threshold, the G in 2…10 with the best silhouette.",
        parameters: ["file", "kind", "linkage", "k", "threshold"]) { _, args in
        try run(args)
    }

    static func run(_ args: CommandArguments) throws -> Inspection {
        let command = "inspect cluster"
        guard let path = try args.string("file", default: nil) else {
            throw CommandError("\(command): file= is required (usage: \(usage))")
        }
        let kind = try args.string("kind", default: "distance") ?? "distance"
        guard kind == "distance" || kind == "similarity" else {
            throw CommandError("\(command): kind=\(kind) is not one of distance, similarity")
        }
        let linkageName = try args.string("linkage", default: "average") ?? "average"
        guard let linkage = Linkage(rawValue: linkageName) else {
            throw CommandError("\(command): linkage=\(linkageName) is not one of \(Linkage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if args.value("k") != nil && args.value("threshold") != nil {
            throw CommandError("\(command): give k= or threshold=, not both")
        }
        let table = try NumericTableFile.read(path, command: command)
        let distances: DistanceMatrix
        do {
            distances = kind == "similarity" ? try DistanceMatrix.fromSimilarity(table) : try DistanceMatrix(square: table)
        } catch {
            throw CommandError("\(command): \(path): \(error)".replacingOccurrences(of: "DistanceMatrix: ", with: ""))
        }
        let n = distances.count
        guard n >= 2 else { throw CommandError("\(command): \(path) has \(n) point; clustering needs at least 2") }
        let tree = AgglomerativeClustering.cluster(distances, linkage: linkage)
        let labels: [Int]
        var cut: Double?
        if args.value("threshold") != nil {
            let t = try args.double("threshold", default: 0, range: 0...Double.greatestFiniteMagnitude)
            labels = tree.clusters(threshold: t)
            cut = t
        } else {
            let g: Int
            if args.value("k") != nil {
                g = try args.int("k", default: 2, range: 1...n)
            } else {
                g = try ClusterCountSelection.best(distances, linkage: linkage, range: 2...max(2, min(10, n - 1)))?.count ?? 1
            }
            labels = try tree.clusters(count: g)
            cut = tree.threshold(forCount: g)
        }
        let groups = (labels.max() ?? -1) + 1
        let silhouette = (2...max(2, n - 1)).contains(groups) && n > 2 ? try Silhouette.score(distances, labels: labels) : nil
        let merges = tree.merges.map { JSONValue.array([.int($0.left), .int($0.right), .number($0.distance), .int($0.size)]) }
        let json = JSONValue.object([
            "labels": .array(labels.map { .int($0) }),
            "merges": .array(merges),
            "silhouette": silhouette.map { .number($0) } ?? .null,
            "clusters": .int(groups),
            "threshold": cut.map { .number($0) } ?? .null,
            "linkage": .string(linkage.rawValue),
        ])
        var lines = ["cluster: \(n) points, \(linkage.rawValue) linkage, \(groups) cluster\(groups == 1 ? "" : "s")"
                     + (cut.map { " (cut at \(Value.format($0)))" } ?? "")
                     + (silhouette.map { ", silhouette \(Value.format(rounded($0)))" } ?? "")]
        for g in 0..<groups {
            let members = labels.indices.filter { labels[$0] == g }
            lines.append("  cluster \(g): \(members.map(String.init).joined(separator: " "))")
        }
        let figure = DendrogramFigure(title: "\(linkage.rawValue) linkage of \(path)", leafLabels: (0..<n).map(String.init),
                                      merges: tree.merges.map { .init(left: $0.left, right: $0.right, height: $0.distance) }, cut: cut)
        return Inspection(lines: lines, json: json, figures: [.dendrogram(figure)])
    }

    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}
