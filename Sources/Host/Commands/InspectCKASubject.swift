import Compute
import Foundation
import PluginAPI

/// `inspect cka`: linear CKA between the layers' hidden states on the session's data (DHAM
/// steps 1–2): representation 0 is the embeddings, l the output of block l−1, the last one
/// the final norm's output (see `LayerRepresentations`).
enum InspectCKASubject {
    static let usage = "inspect cka [layers=[0, 4, 8] | layers=\"0-8\"] [limit=2048 tokens] [skip=0 leading tokens per example]"

    static let subject = InspectSubject(
        name: "cka", usage: usage,
        summary: "Linear CKA similarity between the layers' hidden states on the data chosen by `data` (no methods active).",
        parameters: ["layers", "limit", "skip"]) { session, args in
        try run(session, args)
    }

    static func run(_ session: Session, _ args: CommandArguments) throws -> Inspection {
        let command = "inspect cka"
        let model = try session.requireModel(for: command)
        guard let data = session.trainingData, !data.isEmpty else {
            throw CommandError("\(command): no calibration data; choose some with `data gsm8k limit=16` first")
        }
        let count = model.model.config.layerCount + 1
        let layers = try layerList(args.value("layers"), count: count, command: command)
        let limit = try args.int("limit", default: 2048, range: 2...10_000_000)
        let skip = try args.int("skip", default: 0, range: 0...1_000_000)
        let encoder = try TrainingExampleEncoder(model: model, format: .plain)
        let sequences = try data.examples.map { try encoder.encode($0).inputIDs }
        let representations = try LayerRepresentations.collect(model: model.model, sequences: sequences,
                                                               maxTokens: limit, layers: layers, skipLeading: skip)
        let tokens = representations.first?.shape[0] ?? 0
        guard tokens >= 2 else { throw CommandError("\(command): the data gave \(tokens) token; CKA needs at least 2") }
        let matrix = try LinearCKA.matrix(representations)
        let names = layers.map { name($0, count: count) }
        let json = JSONValue.object([
            "layers": .int(layers.count),
            "layer_ids": .array(layers.map { .int($0) }),
            "tokens": .int(tokens),
            "cka": .array(matrix.map { .array($0.map { .number($0) }) }),
        ])
        var lines = ["cka: \(layers.count) layers × \(tokens) tokens of \(data.name) (0 = embeddings, \(count - 1) = final norm)"]
        if layers.count <= 12 {
            lines.append("      " + names.map { pad($0, 6) }.joined())
            for (i, row) in matrix.enumerated() {
                lines.append(pad(names[i], 6) + row.map { pad(fixed($0), 6) }.joined())
            }
        } else {
            let adjacent = (1..<layers.count).map { matrix[$0 - 1][$0] }
            lines.append("  adjacent layers: " + adjacent.map(fixed).joined(separator: " "))
            lines.append("  lowest: \(fixed(matrix.joined().min() ?? 0))  (first vs last: \(fixed(matrix[0][layers.count - 1])))")
        }
        let figure = HeatmapFigure(title: "linear CKA between layers", rowLabels: names, columnLabels: names, values: matrix, range: 0...1)
        return Inspection(lines: lines, json: json, figures: [.heatmap(figure)])
    }

    /// `layers=[0, 2, 5]` or `layers="0-8"` / `"0,2,5"`; all representations when absent.
    static func layerList(_ value: Value?, count: Int, command: String) throws -> [Int] {
        guard let value else { return Array(0..<count) }
        var result: [Int] = []
        switch value {
        case let .int(i): result = [i]
        case let .array(items):
            for item in items {
                guard case let .int(i) = item else {
                    throw CommandError("\(command): layers must hold integers, got \(item.typeName) \(item.literalDescription)")
                }
                result.append(i)
            }
        case let .string(text):
            for part in text.split(separator: ",") {
                let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                if bounds.count == 1, let i = bounds[0] {
                    result.append(i)
                } else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b {
                    result += Array(a...b)
                } else {
                    throw CommandError("\(command): layers=\"\(text)\" is not a list like \"0-8\" or \"0,4,8\"")
                }
            }
        default:
            throw CommandError("\(command): layers must be a list of integers or a range like \"0-8\", got \(value.typeName)")
        }
        if let bad = result.first(where: { !(0..<count).contains($0) }) {
            throw CommandError("\(command): layer \(bad) does not exist; this model has 0…\(count - 1) (0 = embeddings, \(count - 1) = final norm)")
        }
        guard result.count >= 2 else { throw CommandError("\(command): CKA compares layers; give at least 2") }
        return result
    }

    static func name(_ layer: Int, count: Int) -> String {
        layer == 0 ? "embed" : layer == count - 1 ? "final" : String(layer)
    }

    static func fixed(_ x: Double) -> String { String(format: "%.2f", x) }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
