import Compute

/// Helpers for block-input hooks that insert slots (soft prompts) in front of the tokens.
///
/// Convention (shared by every method that lengthens the sequence): inserted slots come first
/// in every row, are real (attended), and take positions 0…m−1; the tokens' positions shift
/// by m. With a KV cache, slots are inserted once, when a sequence starts (its first real
/// token has position 0); later decoding steps only shift positions, so the cached slots stay
/// in front and every position keeps the value it had in the prefill.
extension SequenceState {
    /// Whether this pass starts its sequences (prefill or a training forward) rather than
    /// continuing cached ones: the first real token of every row has position 0. Throws when
    /// rows disagree, which no caller of the model produces.
    public func startsSequence() throws -> Bool {
        var starts = 0, continues = 0
        for row in 0..<batch {
            guard let first = isReal[row].firstIndex(of: true) else { continue }
            if positions[row][first] == 0 { starts += 1 } else { continues += 1 }
        }
        if starts > 0 && continues > 0 {
            throw ModelError.invalidInput("a batch mixes rows that start a sequence with rows that continue one; inserted slots need one or the other")
        }
        return continues == 0
    }

    /// The sequence with `slots` `[m, d_model]` (shared by every row) in front of each row.
    /// The slots are real and at positions 0…m−1; the tokens' positions shift by m. Gradient
    /// flows to `slots`.
    public func prependingSlots(_ slots: Tensor) throws -> SequenceState {
        guard slots.rank == 2, slots.shape[1] == hidden.shape[2] else {
            throw TensorError.invalidShape(op: "prependingSlots", shape: slots.shape,
                                           reason: "slots must be [m, \(hidden.shape[2])]")
        }
        let m = slots.shape[0]
        let expanded = try slots.unsqueezed(axis: 0).expanded(to: [batch, m, hidden.shape[2]])
        return SequenceState(
            hidden: try Tensor.concat([expanded, hidden], axis: 1),
            positions: positions.map { Array(0..<m) + $0.map { $0 + m } },
            isReal: isReal.map { Array(repeating: true, count: m) + $0 })
    }

    /// The sequence with every position shifted by `m` (a continuation step after `m` slots
    /// were inserted at the start).
    public func shiftingPositions(by m: Int) -> SequenceState {
        SequenceState(hidden: hidden, positions: positions.map { $0.map { $0 + m } }, isReal: isReal)
    }
}
