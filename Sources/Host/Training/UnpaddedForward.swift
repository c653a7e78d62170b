import Compute

/// The forward pass of a right-padded training batch without computing its padding.
///
/// A batch pads every row to its longest, and the model's cost is per position, so rows of
/// unequal length waste compute on padding (about a third for ten random GSM8K examples). Here
/// the rows run in groups of similar length, each group cut to its own longest row, and the
/// logits are reassembled into the batch's `[batch, seq, vocab]` layout. Real positions get the
/// logits the padded batch would give (right padding and causal attention keep padding out of
/// their view); padding positions carry no loss, and their logits (zeros past a group's longest
/// row) mean nothing, as in the padded batch.
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

    /// Logits `[batch, seq, vocab]` of `batch` through `model` with `hooks`, group by group.
    public static func logits(_ batch: Batch, model: LlamaModel, hooks: ForwardHooks?) throws -> Tensor {
        let lengths = batch.isReal.map { row in row.firstIndex(of: false) ?? row.count }
        let groups = groups(lengths: lengths)
        if groups.count == 1 {
            return try model.forward(batch.inputIDs, positions: batch.positions, isReal: batch.isReal, hooks: hooks)
        }
        let length = batch.length, vocabulary = model.config.vocabularySize
        // Every group's logits as rows `[positions, vocab]`, then one zero row for the padding
        // past a group's longest row; one gather lays them out in batch order.
        var sources: [Tensor] = [], rowStart = [Int](repeating: 0, count: batch.size)
        var rowExtent = rowStart, start = 0
        for group in groups {
            let extent = group.map { lengths[$0] }.max() ?? 0
            let ids = group.map { Array(batch.inputIDs[$0].prefix(extent)) }
            let isReal = group.map { Array(batch.isReal[$0].prefix(extent)) }
            let logits = try model.forward(ids, positions: Array(repeating: Array(0..<extent), count: group.count),
                                           isReal: isReal, hooks: hooks)                 // [group, extent, vocab]
            sources.append(try logits.reshape([group.count * extent, vocabulary]))
            for (k, row) in group.enumerated() { (rowStart[row], rowExtent[row]) = (start + k * extent, extent) }
            start += group.count * extent
        }
        sources.append(Tensor(zeros: [1, vocabulary]))
        let indices = (0..<batch.size).flatMap { row in
            (0..<length).map { $0 < rowExtent[row] ? rowStart[row] + $0 : start }
        }
        return try Tensor.concat(sources, axis: 0).indexSelect(axis: 0, indices: indices)
            .reshape([batch.size, length, vocabulary])
    }
}
