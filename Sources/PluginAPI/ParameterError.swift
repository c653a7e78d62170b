/// A parameter that could not be accepted; the message names the method, the parameter,
/// the value given and what is allowed.
public struct ParameterError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unknown(_ name: String, method: String, known: [String]) -> ParameterError {
        var text = "\(method) has no parameter \"\(name)\""
        if let suggestion = closestName(to: name, among: known) { text += "; did you mean \"\(suggestion)\"?" }
        text += known.isEmpty ? " (it takes no parameters)" : " (parameters: \(known.joined(separator: ", ")))"
        return ParameterError(text)
    }

    static func wrongType(_ spec: ParameterSpec, method: String, _ value: ParameterValue) -> ParameterError {
        ParameterError("\(method) \(spec.name)=\(value): expected \(spec.kind.description), got \(value.typeName)")
    }

    static func outOfRange(_ spec: ParameterSpec, method: String, _ value: ParameterValue, _ bounds: String) -> ParameterError {
        ParameterError("\(method) \(spec.name)=\(value) is out of range: \(spec.name) must be \(bounds)")
    }

    static func notAChoice(_ spec: ParameterSpec, method: String, _ word: String, _ choices: [String]) -> ParameterError {
        var text = "\(method) \(spec.name)=\(word) is not one of \(choices.joined(separator: ", "))"
        if let suggestion = closestName(to: word, among: choices) { text += "; did you mean \(suggestion)?" }
        return ParameterError(text)
    }

    /// A value the kind accepts but the method does not (`init=txt:…`): used by factories.
    public static func invalid(method: String, parameter: String, value: ParameterValue, expected: String) -> ParameterError {
        ParameterError("\(method) \(parameter)=\(value): expected \(expected)")
    }
}

/// The candidate nearest to `word` by edit distance, when it is near enough to be a typo
/// (at most a third of the word's length, and at least 1).
public func closestName(to word: String, among candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit else { return nil }
    return best.0
}

/// Levenshtein distance (insert, delete, substitute), two rows of the dynamic programme.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
