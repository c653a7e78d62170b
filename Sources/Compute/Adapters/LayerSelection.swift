/// Which transformer layers an adapter covers: `all`, a range `a...b` (or `a..<b`, `a-b`),
/// or a list `i,j,k`. Parsed without knowing the model; `resolve` checks it against one.
public enum LayerSelection: Equatable, CustomStringConvertible {
    case all
    case layers([Int])

    /// Parses `all`, `3`, `2...5`, `2..<5`, `2-5` or `0,4,8` (spaces ignored).
    public init(parsing text: String) throws {
        let word = text.filter { !$0.isWhitespace }
        if word == "all" { self = .all; return }
        func number(_ s: Substring) throws -> Int {
            guard let i = Int(s), i >= 0 else {
                throw AdapterError("layers=\(text): \"\(s)\" is not a layer index; use all, a...b or i,j,k with indices from 0")
            }
            return i
        }
        for (separator, closed) in [("...", true), ("..<", false), ("-", true)] {
            if let r = word.range(of: separator) {
                let low = try number(word[..<r.lowerBound]), high = try number(word[r.upperBound...])
                let end = closed ? high + 1 : high
                guard low < end else { throw AdapterError("layers=\(text): the range is empty; write the lower layer first") }
                self = .layers(Array(low..<end))
                return
            }
        }
        guard !word.isEmpty else { throw AdapterError("layers is empty; use all, a...b or i,j,k") }
        let list = try word.split(separator: ",", omittingEmptySubsequences: false).map(number)
        guard Set(list).count == list.count else { throw AdapterError("layers=\(text) names a layer twice") }
        self = .layers(list.sorted())
    }

    /// The sorted layer indices for a model of `layerCount` layers; an index out of range is an error.
    public func resolve(layerCount: Int) throws -> [Int] {
        switch self {
        case .all:
            return Array(0..<layerCount)
        case let .layers(list):
            if let bad = list.first(where: { $0 >= layerCount }) {
                throw AdapterError("layer \(bad) is out of range: the model has \(layerCount) layers (0…\(layerCount - 1))")
            }
            return list
        }
    }

    /// `all`, `2...5` for a contiguous run, else `0,4,8`.
    public var description: String {
        switch self {
        case .all: return "all"
        case let .layers(list): return Self.describe(list)
        }
    }

    /// `2...5` for a contiguous run of at least 2, else `0,4,8`.
    public static func describe(_ layers: [Int]) -> String {
        if layers.count >= 2, let first = layers.first, let last = layers.last, layers == Array(first...last) {
            return "\(first)...\(last)"
        }
        return layers.map(String.init).joined(separator: ",")
    }
}
