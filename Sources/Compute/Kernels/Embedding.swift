/// Token embedding lookup: rows of `table` gathered by id.
///
/// - ids: `[B][T]` token ids (rows of equal length)
/// - table: `[V, D]`
/// - returns `[B, T, D]`; the gradient scatter-adds into the table (repeated ids sum).
///
/// An id outside `0..<V` is an error naming the id and the vocabulary size.
public func embedding(_ ids: [[Int]], table: Tensor) throws -> Tensor {
    let length = ids.first?.count ?? 0
    guard ids.allSatisfy({ $0.count == length }) else {
        throw TensorError.invalidArgument(op: "embedding",
            reason: "id rows must all have the same length (got lengths \(ids.map(\.count)))")
    }
    return try embeddingGather(ids.flatMap { $0 }, table: table, leadingShape: [ids.count, length])
}

/// Token embedding lookup for one sequence: ids `[T]`, table `[V, D]` → `[T, D]`.
public func embedding(_ ids: [Int], table: Tensor) throws -> Tensor {
    try embeddingGather(ids, table: table, leadingShape: [ids.count])
}

private func embeddingGather(_ ids: [Int], table: Tensor, leadingShape: [Int]) throws -> Tensor {
    guard table.rank == 2 else {
        throw TensorError.invalidShape(op: "embedding", shape: table.shape, reason: "the table must be 2-D [vocabulary, dim]")
    }
    let (vocabulary, d) = (table.shape[0], table.shape[1])
    if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
        throw TensorError.invalidArgument(op: "embedding",
            reason: "token id \(bad) is outside the vocabulary of size \(vocabulary)")
    }
    let table = table.contiguous()
    let out = Tensor(zeros: leadingShape + [d])
    let source = table.data, target = out.data
    for (row, id) in ids.enumerated() {
        (target + row * d).update(from: source + id * d, count: d)
    }
    return out.recorded(op: "embedding", inputs: [table]) { g in
        let gTable = Tensor(zeros: table.shape)
        let dt = gTable.data, gs = g.data
        for (row, id) in ids.enumerated() {
            let line = dt + id * d, grad = gs + row * d
            for j in 0..<d { line[j] += grad[j] }
        }
        return [gTable]
    }
}
