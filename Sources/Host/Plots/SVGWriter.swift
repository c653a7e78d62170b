import Foundation

/// Builds an SVG document as text: elements with escaped attribute values and text, numbers
/// written with two decimals (never `nan`), and the document wrapper.
struct SVGWriter {
    private(set) var body: [String] = []

    /// XML-escapes `text` for attribute values and character data; drops characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                // Control characters and the non-characters U+FFFE/U+FFFF are not allowed in XML.
                guard v >= 0x20, v != 0xFFFE, v != 0xFFFF else { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate: two decimals, 0 for anything not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let text = String(format: "%.2f", value)
        return text == "-0.00" ? "0.00" : text
    }

    mutating func raw(_ markup: String) { body.append(markup) }

    /// `<name a="…" …/>`, or with `text` as its content.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        let attrs = attributes.map { " \($0.0)=\"\(SVGWriter.escape($0.1))\"" }.joined()
        if let text {
            body.append("<\(name)\(attrs)>\(SVGWriter.escape(text))</\(name)>")
        } else {
            body.append("<\(name)\(attrs)/>")
        }
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attributes: [(String, String)] = []) {
        element("line", [("x1", SVGWriter.number(x1)), ("y1", SVGWriter.number(y1)),
                         ("x2", SVGWriter.number(x2)), ("y2", SVGWriter.number(y2))] + attributes)
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, _ attributes: [(String, String)] = []) {
        element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y)),
                         ("width", SVGWriter.number(max(0, width))), ("height", SVGWriter.number(max(0, height)))] + attributes)
    }

    /// Text anchored at (x, y); `anchor` is start, middle or end; `rotate` in degrees about the anchor.
    mutating func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                       rotate: Double? = nil, attributes: [(String, String)] = []) {
        var attrs = [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y)), ("text-anchor", anchor),
                     ("font-size", SVGWriter.number(size))]
        if let rotate { attrs.append(("transform", "rotate(\(SVGWriter.number(rotate)) \(SVGWriter.number(x)) \(SVGWriter.number(y)))")) }
        element("text", attrs + attributes, text: content)
    }

    /// The standalone document: size, view box, white background, font, then the body.
    func document(width: Double, height: Double, title: String, definitions: String = "") -> String {
        let w = SVGWriter.number(width), h = SVGWriter.number(height)
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" font-family="Helvetica, Arial, sans-serif">
        <title>\(SVGWriter.escape(title))</title>
        \(definitions.isEmpty ? "" : "<defs>\(definitions)</defs>\n")<rect class="background" x="0" y="0" width="\(w)" height="\(h)" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// An estimate of a label's width in pixels (Helvetica's average advance is about 0.58 em).
    static func textWidth(_ text: String, size: Double = 12) -> Double { Double(text.count) * size * 0.58 }

    /// `text` cut to `limit` characters with an ellipsis.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
    }
}

/// Colours: a qualitative palette for series (Tableau 10) and a perceptual scale for values
/// (viridis, from its published stops).
enum PlotPalette {
    static let series = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func series(_ index: Int) -> String { series[index % series.count] }

    /// Viridis at 0, 1/8, …, 1.
    private static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// The colour of fraction `t` (0…1) of the scale; grey for a missing value.
    static func scale(_ t: Double?) -> String {
        guard let t, t.isFinite else { return "#d9d9d9" }
        let clamped = min(1, max(0, t)) * Double(viridis.count - 1)
        let i = min(viridis.count - 2, Int(clamped))
        let f = clamped - Double(i)
        let (a, b) = (viridis[i], viridis[i + 1])
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Black or white, whichever reads better on the scale colour at `t`.
    static func textOnScale(_ t: Double?) -> String {
        guard let t, t.isFinite else { return "#000000" }
        return t > 0.55 ? "#000000" : "#ffffff"
    }
}
