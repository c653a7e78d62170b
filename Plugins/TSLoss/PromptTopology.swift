// `track=k` and `inspect prompt-topology`: the loss terms and the Vietoris–Rips barcodes (H0, H1:
// counts, mean/max lifespan, persistence entropy) of the prompts every k training passes
// (METHODS.md "TSLoss", Analysis), and the barcode of each prompt as of the last training pass.

import Compute
import PluginAPI

/// A dimension of a barcode in a few numbers (finite bars only for the lifespans and the
/// persistence entropy PE = −Σ (l_i/L) ln(l_i/L), as `BarcodeSummary`).
struct BarsSummary: Equatable {
    var count: Int
    var averageLifespan: Double
    var maxLifespan: Double
    var entropy: Double

    init(_ summary: BarcodeSummary) {
        (count, averageLifespan, maxLifespan, entropy) = (summary.count, summary.averageLifespan, summary.maxLifespan, summary.entropy)
    }

    init?(json: JSONValue?) {
        guard let json, let count = json["count"]?.intValue else { return nil }
        self.count = count
        averageLifespan = json["average_lifespan"]?.doubleValue ?? .nan
        maxLifespan = json["max_lifespan"]?.doubleValue ?? .nan
        entropy = json["entropy"]?.doubleValue ?? .nan
    }

    var json: JSONValue {
        .object(["count": .int(count), "average_lifespan": .number(averageLifespan), "max_lifespan": .number(maxLifespan), "entropy": .number(entropy)])
    }

    var text: String { "\(count) bars (mean \(round(averageLifespan)), max \(round(maxLifespan)), PE \(round(entropy)))" }
}

/// What one tracking point records for one prompt: the loss terms and the barcode summaries.
struct PromptTopologyRecord {
    var pass: Int
    var prompt: String
    var terms: TopologicalLossTerms
    var h0: BarsSummary
    var h1: BarsSummary

    var json: JSONValue {
        .object(["pass": .int(pass), "prompt": .string(prompt), "h0": h0.json, "h1": h1.json,
                 "loss": .object(["h0": .number(terms.h0), "repel": .number(terms.repel), "attract": .number(terms.attract),
                                  "h1": .number(terms.h1), "delta": .number(terms.delta), "zeta": .number(terms.zeta), "total": .number(terms.total)])])
    }

    init(pass: Int, prompt: String, terms: TopologicalLossTerms, h0: BarsSummary, h1: BarsSummary) {
        (self.pass, self.prompt, self.terms, self.h0, self.h1) = (pass, prompt, terms, h0, h1)
    }

    init?(json: JSONValue) {
        guard let pass = json["pass"]?.intValue, let prompt = json["prompt"]?.stringValue,
              let h0 = BarsSummary(json: json["h0"]), let h1 = BarsSummary(json: json["h1"]) else { return nil }
        func number(_ key: String) -> Double { json["loss"]?[key]?.doubleValue ?? .nan }
        self.init(pass: pass, prompt: prompt, terms: TopologicalLossTerms(
            h0: number("h0"), repel: number("repel"), attract: number("attract"), h1: number("h1"),
            delta: number("delta"), zeta: number("zeta"), total: number("total")), h0: h0, h1: h1)
    }
}

extension TSLoss {
    /// Records every prompt's loss terms and Vietoris–Rips barcode summary at this pass.
    func track(_ prompts: [SoftPrompt]) throws {
        for prompt in prompts {
            let matrix = prompt.matrix.detached()
            let terms = try Autograd.noGrad { try topologicalPromptLoss(matrix, settings: settings).terms }
            let barcode = try VietorisRips.barcode(points: matrix)
            history.append(PromptTopologyRecord(pass: passes, prompt: prompt.name, terms: terms,
                                                h0: BarsSummary(barcode.summary(dimension: 0)), h1: BarsSummary(barcode.summary(dimension: 1))))
        }
    }

    var inspectionSubjects: [String] { ["prompt-topology"] }

    /// The tracked history, and the barcode of each prompt as of the last training pass.
    func inspect(_ subject: String) throws -> Inspection {
        guard subject == "prompt-topology" else { throw ParameterError("tsloss answers `inspect prompt-topology`, not `inspect \(subject)`") }
        var lines: [String] = []
        var figures: [Figure] = []
        if history.isEmpty {
            lines.append(trackEvery > 0 ? "no tracking point yet (every \(trackEvery) training passes)" : "tracking is off; `use tsloss track=k` records every k passes")
        }
        for record in history {
            let t = record.terms
            lines.append("pass \(record.pass) \(record.prompt): H0 \(record.h0.text), H1 \(record.h1.text); L_H0 \(round(t.h0)) L_repel \(round(t.repel)) L_attract \(round(t.attract))")
        }
        let names = Array(Set(history.map(\.prompt))).sorted()
        if !history.isEmpty {
            func series(_ value: (PromptTopologyRecord) -> Double, _ suffix: String) -> [Series] {
                names.map { name in
                    let records = history.filter { $0.prompt == name }
                    return Series(name: name + suffix, x: records.map { Double($0.pass) }, y: records.map(value))
                }
            }
            figures.append(.lines(LineFigure(title: "persistence entropy by training pass", xLabel: "pass", yLabel: "PE",
                                             series: series(\.h0.entropy, " H0") + series(\.h1.entropy, " H1"))))
        }
        var current: [JSONValue] = []
        for prompt in lastPrompts {
            let barcode = try VietorisRips.barcode(points: prompt.matrix.detached())
            let (h0, h1) = (BarsSummary(barcode.summary(dimension: 0)), BarsSummary(barcode.summary(dimension: 1)))
            lines.append("now \(prompt.name): H0 \(h0.text), H1 \(h1.text)")
            let bars: [PersistenceBar] = barcode.h0 + barcode.h1
            let drawn = bars.map { BarcodeFigure.Bar(dimension: $0.dimension, birth: $0.birth, death: $0.death) }
            figures.append(.barcode(BarcodeFigure(title: "\(prompt.name) Vietoris–Rips barcode", bars: drawn)))
            let listed: [JSONValue] = bars.map { bar in
                JSONValue.array([.int(bar.dimension), .number(bar.birth), bar.death.map { JSONValue.number($0) } ?? .null])
            }
            current.append(.object(["prompt": .string(prompt.name), "h0": h0.json, "h1": h1.json, "bars": .array(listed)]))
        }
        return Inspection(lines: lines, json: .object(["passes": .int(passes), "track": .int(trackEvery),
                                                        "history": .array(history.map(\.json)), "current": .array(current)]), figures: figures)
    }
}

/// Four significant digits.
private func round(_ value: Double) -> String {
    if value == 0 { return "0" }                                  // also −0 (an entropy of one bar)
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    while abs(value) * scale < 1000 { scale *= 10 }
    while abs(value) * scale >= 10000 { scale /= 10 }
    return "\((value * scale).rounded() / scale)"
}
