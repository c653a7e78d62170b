// `inspect stages`: DHAM's partition of the layers, with what calibration measured.

import Compute
import PluginAPI

extension DHAM {
    var inspectionSubjects: [String] { ["stages"] }

    func inspect(_ subject: String) throws -> Inspection {
        guard subject == "stages" else { throw ParameterError("dham answers `inspect stages`, not `inspect \(subject)`") }
        guard let partition else { throw ParameterError("dham is not attached to a model; `use dham …` after `load`") }
        var lines: [String] = []
        var json: [String: JSONValue] = ["metric": .string(metric), "G": .int(partition.count), "layers": .int(partition.layerCount)]
        var figures: [Figure] = []

        if let calibration {
            lines.append("calibration: \(calibration.examples) examples, \(calibration.tokens) tokens; distance \(calibration.distanceName), \(calibration.linkage) linkage")
            lines.append(contentsOf: calibration.similaritySummary())
            let scores = calibration.silhouette.sorted { $0.key < $1.key }
            if !scores.isEmpty {
                lines.append("silhouette by G: " + scores.map { "G=\($0.key) \(format($0.value))" }.joined(separator: ", "))
            }
            if !calibration.votes.isEmpty {
                lines.append("bootstrap votes (\(calibration.votes.values.reduce(0, +)) resamples): "
                             + calibration.votes.sorted { $0.key < $1.key }.map { "G=\($0.key): \($0.value)" }.joined(separator: ", "))
            }
            json["calibration"] = calibration.json
            let labels = (0..<partition.layerCount).map { "\($0)" }
            figures.append(.heatmap(HeatmapFigure(title: "layer similarity (\(metric))", rowLabels: labels, columnLabels: labels,
                                                  values: calibration.similarity)))
            figures.append(.dendrogram(DendrogramFigure(title: "layer hierarchy (\(calibration.linkage) linkage)", leafLabels: labels,
                                                        merges: calibration.merges, cut: calibration.cut)))
            if !scores.isEmpty {
                figures.append(.lines(LineFigure(title: "silhouette by G", xLabel: "G", yLabel: "silhouette",
                                                 series: [Series(name: "silhouette", x: scores.map { Double($0.key) }, y: scores.map(\.value))])))
            }
        }
        let chosen = forcedG.map { "G=\($0) (given)" } ?? (calibration == nil ? "G=\(partition.count)" : "G=\(partition.count) (auto in \(gRange.lowerBound)–\(gRange.upperBound))")
        lines.append("stages: \(chosen)")
        var stagesJSON: [JSONValue] = []
        for (i, stage) in partition.stages.enumerated() {
            let m = i < prompts.count ? prompts[i].shape[0] : 0
            lines.append("  stage \(i): layers \(describe(stage)) → prompt of \(m) vectors at blocks.\(stage.representative).input"
                         + (stage.isContiguous ? "" : " (not contiguous: spans \(stage.span.lowerBound)–\(stage.span.upperBound))"))
            stagesJSON.append(.object(["layers": .array(stage.layers.map(JSONValue.int)), "representative": .int(stage.representative),
                                       "m": .int(m), "contiguous": .bool(stage.isContiguous)]))
        }
        json["stages"] = .array(stagesJSON)
        return Inspection(lines: lines, json: .object(json), figures: figures)
    }
}

func format(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    return "\((value * 1000).rounded() / 1000)"
}
