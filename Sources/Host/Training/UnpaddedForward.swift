import Compute

/// The forward pass of a right-padded training batch that computes neither its padding nor,
/// by default, logits nobody scores.
///
/// A batch pads every row to its longest, and the model's cost is per position, so rows of
/// unequal length waste compute on padding (about a third for ten random GSM8K examples). Here
/// the rows run in groups of similar length, each group cut to its own longest row. The LM
/// head (a fifth of a position's cost on SmolLM2, forward and backward) then runs only at the
/// positions with a target — the response — unless `everyPosition` asks for all real ones.
/// The logits come back in the batch's `[batch, seq, vocab]` layout: real positions get what
/// the padded batch would give (right padding and causal attention keep padding out of their
/// view); rows not computed are NaN, so that reading one by mistake cannot pass unnoticed.
public enum UnpaddedForward {
    /// Row groups of a batch with these real lengths, longest first: a group takes the next
    /// row while its padded size (rows × longest) stays within `slack` of its real tokens.
    public static func groups(lengths: [Int], slack: Double = 0.1) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        var groups: [[Int]] = []
        var current: [Int] = [], longest = 0, real = 0
        for row in order {
            let length = lengths[row]
            if current.isEmpty {
                (current, longest, real) = ([row], length, length)
            } else if Double((current.count + 1) * longest) <= (1 + slack) * Double(real + length) {
                current.append(row)
                real += length
            } else {
                groups.append(current)
                (current, longest, real) = ([row], length, length)
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Logits `[batch, seq, vocab]` of `batch` through `model` with `hooks`, group by group: at
    /// the scored positions (labels not `ignoreIndex`), or with `everyPosition` at every real one.
    public static func logits(_ batch: Batch, model: LlamaModel, hooks: ForwardHooks?,
                              everyPosition: Bool = false) throws -> Tensor {
        let lengths = batch.isReal.map { row in row.firstIndex(of: false) ?? row.count }
        let width = model.config.hiddenSize, vocabulary = model.config.vocabularySize
        // Every group's final hidden states as rows `[positions, d_model]`, and where each
        // batch row starts among them.
        var hidden: [Tensor] = [], rowStart = [Int](repeating: 0, count: batch.size), start = 0
        for group in groups(lengths: lengths) {
            let extent = group.map { lengths[$0] }.max() ?? 0
            let state = try model.embeddedState(group.map { Array(batch.inputIDs[$0].prefix(extent)) },
                                                isReal: group.map { Array(batch.isReal[$0].prefix(extent)) })
            let h = try model.finalHidden(state, hooks: hooks)                           // [group, extent, d]
            hidden.append(try h.reshape([group.count * extent, width]))
            for (k, row) in group.enumerated() { rowStart[row] = start + k * extent }
            start += group.count * extent
        }
        // The positions whose logits are computed, and the batch's layout over them.
        var wanted: [Int] = [], layout: [Int] = []
        for row in 0..<batch.size {
            for position in 0..<batch.length {
                let computed = position < lengths[row]
                    && (everyPosition || batch.labels[row][position] != TrainingExample.ignoreIndex)
                layout.append(computed ? wanted.count : -1)
                if computed { wanted.append(rowStart[row] + position) }
            }
        }
        var pieces: [Tensor] = []
        if !wanted.isEmpty {
            let rows = try Tensor.concat(hidden, axis: 0).indexSelect(axis: 0, indices: wanted)   // [computed, d]
            pieces.append(try model.lmHead.apply(rows))                                              // [computed, vocab]
        }
        pieces.append(Tensor.full([1, vocabulary], value: .nan))
        let fill = wanted.count
        let logits = try Tensor.concat(pieces, axis: 0)
            .indexSelect(axis: 0, indices: layout.map { $0 < 0 ? fill : $0 })
            .reshape([batch.size, batch.length, vocabulary])
        return try hooks?.logits(logits) ?? logits
    }
}
