// `track=k` and `inspect prompt-topology`: the loss terms and the Vietoris–Rips barcodes of the
// prompts every k training passes (METHODS.md "TSLoss", Analysis).

import Compute
import PluginAPI

/// What one tracking point records for one prompt.
struct PromptTopologyRecord {
    var pass: Int
    var prompt: String
    var terms: TopologicalLossTerms

    var json: JSONValue {
        .object(["pass": .int(pass), "prompt": .string(prompt), "h0": .number(terms.h0), "repel": .number(terms.repel),
                 "attract": .number(terms.attract), "h1": .number(terms.h1), "delta": .number(terms.delta),
                 "zeta": .number(terms.zeta), "total": .number(terms.total)])
    }

    init(pass: Int, prompt: String, terms: TopologicalLossTerms) {
        self.pass = pass
        self.prompt = prompt
        self.terms = terms
    }

    init?(json: JSONValue) {
        guard let pass = json["pass"]?.intValue, let prompt = json["prompt"]?.stringValue else { return nil }
        func number(_ key: String) -> Double { json[key]?.doubleValue ?? .nan }
        self.init(pass: pass, prompt: prompt, terms: TopologicalLossTerms(
            h0: number("h0"), repel: number("repel"), attract: number("attract"), h1: number("h1"),
            delta: number("delta"), zeta: number("zeta"), total: number("total")))
    }
}

extension TSLoss {
    /// Records every prompt's terms (and, later, barcode) at this pass.
    func track(_ prompts: [SoftPrompt]) throws {
        for prompt in prompts {
            let terms = try Autograd.noGrad { try topologicalPromptLoss(prompt.matrix.detached(), settings: settings).terms }
            history.append(PromptTopologyRecord(pass: passes, prompt: prompt.name, terms: terms))
        }
    }

    var inspectionSubjects: [String] { ["prompt-topology"] }

    func inspect(_ subject: String) throws -> Inspection {
        guard subject == "prompt-topology" else { throw ParameterError("tsloss answers `inspect prompt-topology`, not `inspect \(subject)`") }
        var lines: [String] = []
        if history.isEmpty {
            lines.append(trackEvery > 0 ? "no tracking point yet (every \(trackEvery) training passes)" : "tracking is off; `use tsloss track=k` records every k passes")
        }
        for record in history {
            let t = record.terms
            lines.append("pass \(record.pass) \(record.prompt): L_H0 \(round(t.h0)) L_repel \(round(t.repel)) L_attract \(round(t.attract)) δ \(round(t.delta)) ζ \(round(t.zeta))")
        }
        var figures: [Figure] = []
        let names = Array(Set(history.map(\.prompt))).sorted()
        if !history.isEmpty {
            figures.append(.lines(LineFigure(title: "L_H0 by training pass", xLabel: "pass", yLabel: "L_H0", series: names.map { name in
                let records = history.filter { $0.prompt == name }
                return Series(name: name, x: records.map { Double($0.pass) }, y: records.map(\.terms.h0))
            })))
        }
        return Inspection(lines: lines, json: .object(["passes": .int(passes), "track": .int(trackEvery),
                                                        "history": .array(history.map(\.json))]), figures: figures)
    }
}

/// Four significant digits.
private func round(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return "\(value)" }
    var scale = 1.0
    while abs(value) * scale < 1000 { scale *= 10 }
    while abs(value) * scale >= 10000 { scale /= 10 }
    return "\((value * scale).rounded() / scale)"
}
