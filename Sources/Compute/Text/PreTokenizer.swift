/// Splits text into words before byte-level BPE, equivalent to the regexes that the
/// model families use (checked against Python's `regex` module in the tests):
///
/// - `gpt2`:   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm`: every `\p{N}` scalar split off alone first, then `gpt2` on the rest
///             (llama.cpp's "smollm"/"starcoder"; tokenizer.json: Digits(individual) + ByteLevel)
/// - `llama3`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|`
///             ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2`:  as `llama3` with `\p{N}` (single digits) in place of `\p{N}{1,3}`
///
/// The regexes are implemented as scanners over Unicode scalars: \p{L} and \p{N} are the
/// general categories L* and N*, \s is the White_Space property, and ` ` is U+0020 only.
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2, smollm, llama3, qwen2

    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` value (llama.cpp's names); nil when unknown.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "gpt-2", "default", "mpt", "olmo", "jais": self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone": self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "smaug-bpe", "dbrx", "falcon3": self = .llama3
        case "qwen2", "stablelm2": self = .qwen2
        default: return nil
        }
    }

    /// The words of `text`, in order; their concatenation is `text`.
    public func split(_ text: String) -> [Substring] {
        let utf8 = text.utf8
        return splitOffsets(text).map { range in
            let lo = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let hi = utf8.index(lo, offsetBy: range.count)
            return text[lo..<hi]
        }
    }

    /// The words of `text` as UTF-8 byte ranges.
    func splitOffsets(_ text: String) -> [Range<Int>] {
        let scanner = ScalarScanner(text)
        var words: [Range<Int>] = []
        let n = scanner.count
        switch self {
        case .gpt2:
            scanner.scanGPT2(0, n, into: &words)
        case .smollm:
            var start = 0
            for i in 0..<n where scanner.cls[i] == .number {
                if start < i { scanner.scanGPT2(start, i, into: &words) }
                words.append(i..<(i + 1))
                start = i + 1
            }
            if start < n { scanner.scanGPT2(start, n, into: &words) }
        case .llama3:
            scanner.scanLlama3(0, n, maxDigits: 3, into: &words)
        case .qwen2:
            scanner.scanLlama3(0, n, maxDigits: 1, into: &words)
        }
        // Scalar indices to UTF-8 offsets.
        return words.map { scanner.byteOffset[$0.lowerBound]..<scanner.byteOffset[$0.upperBound] }
    }
}

/// Scalar classes the pre-tokenizer regexes distinguish.
enum ScalarClass: UInt8 {
    case letter, number, space, newline, whitespace, other
    var isWhitespace: Bool { self == .space || self == .newline || self == .whitespace }

    init(_ s: Unicode.Scalar) {
        let v = s.value
        if v < 0x80 {
            switch v {
            case 0x20: self = .space
            case 0x0A, 0x0D: self = .newline
            case 0x09, 0x0B, 0x0C: self = .whitespace
            case 0x30...0x39: self = .number
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            default: self = .other
            }
            return
        }
        let p = s.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = p.isWhitespace ? .whitespace : .other
        }
    }
}

/// The scalars of one text with their classes; scanners emit scalar-index ranges.
struct ScalarScanner {
    var scalars: [UInt32] = []
    var cls: [ScalarClass] = []
    var byteOffset: [Int] = []  // byteOffset[i] = UTF-8 offset of scalar i; one extra at the end
    var count: Int { scalars.count }

    init(_ text: String) {
        let capacity = text.utf8.count
        scalars.reserveCapacity(capacity)
        cls.reserveCapacity(capacity)
        byteOffset.reserveCapacity(capacity + 1)
        var offset = 0
        for s in text.unicodeScalars {
            scalars.append(s.value)
            cls.append(ScalarClass(s))
            byteOffset.append(offset)
            offset += UTF8.width(s)
        }
        byteOffset.append(offset)
    }

    private func lower(_ i: Int) -> UInt32 {
        let v = scalars[i]
        return (0x41...0x5A).contains(v) ? v + 32 : v
    }

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `i`, 0 when none.
    private func contraction(at i: Int, end: Int, caseInsensitive: Bool) -> Int {
        guard scalars[i] == 0x27, i + 1 < end else { return 0 }
        let c1 = caseInsensitive ? lower(i + 1) : scalars[i + 1]
        switch c1 {
        case 0x73, 0x74, 0x6D, 0x64: return 2                       // s t m d
        case 0x72, 0x76, 0x6C:                                      // r v l
            guard i + 2 < end else { return 0 }
            let c2 = caseInsensitive ? lower(i + 2) : scalars[i + 2]
            let want: UInt32 = c1 == 0x6C ? 0x6C : 0x65                 // ll, re/ve
            return c2 == want ? 3 : 0
        default: return 0
        }
    }

    private func run(from i: Int, end: Int, while test: (ScalarClass) -> Bool) -> Int {
        var j = i
        while j < end && test(cls[j]) { j += 1 }
        return j
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar `i`: the run minus its last scalar when a
    /// non-space follows and the run is longer than one.
    private func whitespaceRun(_ i: Int, _ end: Int) -> Int {
        let k = run(from: i, end: end) { $0.isWhitespace }
        return (k < end && k - i >= 2) ? k - 1 : k
    }

    func scanGPT2(_ start: Int, _ end: Int, into words: inout [Range<Int>]) {
        var i = start
        while i < end {
            var j: Int
            let c = cls[i]
            let next: ScalarClass? = i + 1 < end ? cls[i + 1] : nil
            let contractionLength = contraction(at: i, end: end, caseInsensitive: false)
            if contractionLength > 0 {
                j = i + contractionLength
            } else if c == .letter || (c == .space && next == .letter) {
                j = run(from: i + 1, end: end) { $0 == .letter }
            } else if c == .number || (c == .space && next == .number) {
                j = run(from: i + 1, end: end) { $0 == .number }
            } else if c == .other || (c == .space && next == .other) {
                j = run(from: i + 1, end: end) { $0 == .other }
            } else {
                j = whitespaceRun(i, end)
            }
            words.append(i..<j)
            i = j
        }
    }

    func scanLlama3(_ start: Int, _ end: Int, maxDigits: Int, into words: inout [Range<Int>]) {
        var i = start
        while i < end {
            var j: Int
            let c = cls[i]
            let next: ScalarClass? = i + 1 < end ? cls[i + 1] : nil
            let contractionLength = contraction(at: i, end: end, caseInsensitive: true)
            if contractionLength > 0 {
                j = i + contractionLength
            } else if c == .letter || (c != .newline && c != .number && next == .letter) {
                // [^\r\n\p{L}\p{N}]?\p{L}+
                j = run(from: i + 1, end: end) { $0 == .letter }
            } else if c == .number {
                j = i + 1
                while j < end && j - i < maxDigits && cls[j] == .number { j += 1 }
            } else if c == .other || (c == .space && next == .other) {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                j = run(from: i + 1, end: end) { $0 == .other }
                j = run(from: j, end: end) { $0 == .newline }
            } else {
                // `\s*[\r\n]+` up to the last newline of the run, else `\s+(?!\S)|\s+`.
                let k = run(from: i, end: end) { $0.isWhitespace }
                var lastNewline = -1
                for p in stride(from: k - 1, through: i, by: -1) where cls[p] == .newline {
                    lastNewline = p
                    break
                }
                j = lastNewline >= 0 ? lastNewline + 1 : whitespaceRun(i, end)
            }
            words.append(i..<j)
            i = j
        }
    }
}
