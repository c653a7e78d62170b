import Compute
import PluginAPI

/// `inspect topology file=points.csv`: Vietoris–Rips persistent homology (H0, H1) of a point
/// cloud or distance matrix, the topology summaries TSLoss works with.
enum InspectTopologySubject {
    static let usage = "inspect topology file=P.csv|P.npy [kind=points|distance] [max_radius=r]"

    static let subject = InspectSubject(
        name: "topology", usage: usage,
        summary: "Persistent homology (H0, H1) of a point cloud or distance matrix: bars, lifespans, persistence entropy, barcode.",
        parameters: ["file", "kind", "max_radius"]) { _, args in
        try run(args)
    }

    /// Points beyond this make the exact H1 computation slow (≈ n³/6 triangles).
    static let maxPoints = 1000

    static func run(_ args: CommandArguments) throws -> Inspection {
        let command = "inspect topology"
        guard let path = try args.string("file", default: nil) else {
            throw CommandError("\(command): file= is required (usage: \(usage))")
        }
        let kind = try args.string("kind", default: "points") ?? "points"
        guard kind == "points" || kind == "distance" else {
            throw CommandError("\(command): kind=\(kind) is not one of points, distance")
        }
        let radius = args.value("max_radius") == nil ? nil : try args.double("max_radius", default: 0, range: 0...Double.greatestFiniteMagnitude)
        let table = try NumericTableFile.read(path, command: command)
        guard table.count <= maxPoints else {
            throw CommandError("\(command): \(path) has \(table.count) points; the exact computation takes at most \(maxPoints) (subsample them)")
        }
        if kind == "points", let row = table.firstIndex(where: { $0.contains { !$0.isFinite } }) {
            throw CommandError("\(command): \(path) row \(row + 1) holds a value that is not a finite number")
        }
        let barcode: PersistenceBarcode
        do {
            let distances = kind == "points" ? try DistanceMatrix(euclidean: table) : try DistanceMatrix(square: table)
            barcode = try VietorisRips.barcode(distances, maxRadius: radius)
        } catch {
            throw CommandError("\(command): \(path): \(error)".replacingOccurrences(of: "DistanceMatrix: ", with: ""))
        }
        return inspection(barcode, points: table.count, title: path)
    }

    /// Lines, JSON and a barcode figure for `barcode`.
    static func inspection(_ barcode: PersistenceBarcode, points: Int, title: String) -> Inspection {
        func bars(_ list: [PersistenceBar]) -> JSONValue {
            .array(list.map { .array([.number($0.birth), $0.death.map { .number($0) } ?? .null]) })
        }
        let (s0, s1) = (barcode.summary(dimension: 0), barcode.summary(dimension: 1))
        func summary(_ s: BarcodeSummary) -> JSONValue {
            .object(["count": .int(s.count), "finite": .int(s.finiteCount), "infinite": .int(s.infiniteCount),
                     "average_lifespan": .number(s.averageLifespan), "max_lifespan": .number(s.maxLifespan),
                     "entropy": .number(s.entropy)])
        }
        let json = JSONValue.object([
            "points": .int(points),
            "h0": bars(barcode.h0), "h1": bars(barcode.h1),
            "entropy_h0": .number(s0.entropy), "entropy_h1": .number(s1.entropy),
            "summary_h0": summary(s0), "summary_h1": summary(s1),
        ])
        func line(_ name: String, _ s: BarcodeSummary) -> String {
            "  \(name): \(s.count) bars (\(s.infiniteCount) infinite), lifespan mean \(Value.format(round4(s.averageLifespan)))"
                + " max \(Value.format(round4(s.maxLifespan))), entropy \(Value.format(round4(s.entropy)))"
        }
        let lines = ["topology: \(points) points, Vietoris–Rips persistence", line("H0", s0), line("H1", s1)]
        let figure = BarcodeFigure(title: "persistence of \(title)",
                                   bars: (barcode.h0 + barcode.h1).map { .init(dimension: $0.dimension, birth: $0.birth, death: $0.death) })
        return Inspection(lines: lines, json: json, figures: [.barcode(figure)])
    }

    static func round4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
}
