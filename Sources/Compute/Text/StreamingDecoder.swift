/// Turns token ids, given one at a time during generation, into text, emitting only
/// complete UTF-8: a character whose bytes are split across tokens (an emoji or CJK
/// character made of byte tokens) is held back until its last byte arrives.
public struct StreamingDecoder {
    public let tokenizer: any Tokenizer
    public let skipSpecial: Bool
    private var pending: [UInt8] = []
    private var startedText = false

    public init(tokenizer: any Tokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Bytes held back because they may start a character not yet complete.
    public var pendingByteCount: Int { pending.count }

    /// Adds one token; returns the text it completes (possibly empty).
    public mutating func push(_ id: Int) -> String {
        let bytes = tokenizer.decodedBytes(id, isFirst: !startedText, skipSpecial: skipSpecial)
        if !(skipSpecial && tokenizer.isSpecial(id)) { startedText = true }
        pending += bytes
        let cut = pending.count - Self.incompleteSuffixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Emits whatever is held back (an incomplete sequence becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        let text = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        startedText = false
        return text
    }

    /// Length of the trailing bytes that form the start of a multi-byte UTF-8 sequence still
    /// missing continuation bytes; 0 when the buffer ends on a character boundary or when the
    /// tail can never become valid (it is then emitted, decoded as U+FFFD).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        // Walk back over at most three continuation bytes to the lead byte.
        var i = bytes.count - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && bytes[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return 0 }
        let lead = bytes[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 1
        case 0xE0...0xEF: need = 2
        case 0xF0...0xF4: need = 3
        default: return 0
        }
        return continuation < need ? continuation + 1 : 0
    }
}
