/// Finds special/added token texts in input so they become single ids and the text between
/// them is tokenized separately. At each position the longest matching token wins, and the
/// leftmost match is taken first (as Hugging Face's and llama.cpp's tokenizers do).
struct AddedTokenMatcher {
    enum Fragment: Equatable {
        case text(Range<Int>)  // UTF-8 byte range of the input
        case token(Int)
    }

    /// Candidates by first byte, longest first.
    private var byFirstByte: [[(bytes: [UInt8], id: Int)]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    init(_ tokens: [AddedToken]) {
        for token in tokens where !token.content.isEmpty {
            let bytes = Array(token.content.utf8)
            byFirstByte[Int(bytes[0])].append((bytes, token.id))
            isEmpty = false
        }
        for b in 0..<256 where byFirstByte[b].count > 1 {
            byFirstByte[b].sort { $0.bytes.count > $1.bytes.count }
        }
    }

    /// Splits `bytes` into text runs and token ids, in order.
    func fragments(_ bytes: [UInt8]) -> [Fragment] {
        if isEmpty { return bytes.isEmpty ? [] : [.text(0..<bytes.count)] }
        var out: [Fragment] = []
        var textStart = 0
        var p = 0
        let n = bytes.count
        bytes.withUnsafeBufferPointer { buf in
            while p < n {
                var matched: (length: Int, id: Int)?
                for candidate in byFirstByte[Int(buf[p])] where candidate.bytes.count <= n - p {
                    var equal = true
                    for k in 1..<candidate.bytes.count where buf[p + k] != candidate.bytes[k] {
                        equal = false
                        break
                    }
                    if equal {
                        matched = (candidate.bytes.count, candidate.id)
                        break
                    }
                }
                if let m = matched {
                    if textStart < p { out.append(.text(textStart..<p)) }
                    out.append(.token(m.id))
                    p += m.length
                    textStart = p
                } else {
                    p += 1
                }
            }
        }
        if textStart < n { out.append(.text(textStart..<n)) }
        return out
    }
}
