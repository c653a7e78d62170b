import CKernels

/// A frozen weight matrix [rows, columns] = [out features, in features] that stays in its file
/// encoding (GGUF/ggml blocks) in memory and is dequantized only tile by tile inside
/// `linear(_:weight:)`.
///
/// Memory per weight (rows × columns × bytes below, plus nothing else):
/// - F32: 4 bytes (32 bits)
/// - F16, BF16: 2 bytes (16 bits)
/// - Q8_0: 34 bytes per block of 32 = 8.5 bits
/// - Q4_1: 20 bytes per block of 32 = 5 bits — an 8B-parameter model ≈ 5 GB
/// - Q4_0: 18 bytes per block of 32 = 4.5 bits — an 8B-parameter model ≈ 4.5 GB
///
/// Row r occupies bytes `r·rowBytes ..< (r+1)·rowBytes`; a row is `columns / blockSize`
/// consecutive blocks, exactly as a GGUF tensor of ne = [columns, rows] stores it. The bytes
/// are either owned (copied in, or made by `quantize`) or borrowed from a memory-mapped file,
/// in which case `owner` keeps the mapping alive for as long as this matrix lives.
public final class QuantizedMatrix {
    /// Output features (rows of W).
    public let rows: Int
    /// Input features (columns of W); a multiple of `type.blockSize`.
    public let columns: Int
    public let type: QuantType
    /// Bytes of one row.
    public let rowBytes: Int
    /// The encoded matrix, `rows × rowBytes` bytes. Valid only while this matrix lives: hold
    /// the matrix (or use `withUnsafeBytes`) for as long as the pointer is read.
    public let bytes: UnsafeRawBufferPointer
    /// Keeps `bytes` valid: an owned buffer or the object holding the file mapping.
    public let owner: AnyObject?
    /// Optional name, e.g. `blk.3.attn_q.weight`; shown in errors.
    public var name: String?

    /// Wraps `bytes` without copying. `owner` must keep them valid and unchanged for the
    /// lifetime of this matrix (a memory-mapped file, typically).
    public init(rows: Int, columns: Int, type: QuantType, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        self.rowBytes = try QuantizedMatrix.validatedRowBytes(rows: rows, columns: columns, type: type,
                                                              byteCount: bytes.count)
        self.rows = rows
        self.columns = columns
        self.type = type
        self.bytes = bytes
        self.owner = owner
    }

    /// Copies `data` into a buffer this matrix owns.
    public convenience init(rows: Int, columns: Int, type: QuantType, data: [UInt8]) throws {
        _ = try QuantizedMatrix.validatedRowBytes(rows: rows, columns: columns, type: type, byteCount: data.count)
        let buffer = OwnedBytes(count: data.count)
        data.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.pointer.copyMemory(from: base, byteCount: source.count) }
        }
        try self.init(rows: rows, columns: columns, type: type,
                      bytes: UnsafeRawBufferPointer(start: buffer.pointer, count: data.count), owner: buffer)
    }

    /// Like `init(rows:columns:type:bytes:owner:)` for a raw GGML type id read from a file;
    /// ids this framework does not decode (K-quants, IQ types, integers) are a thrown error.
    public convenience init(rows: Int, columns: Int, ggmlType: UInt32, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        try self.init(rows: rows, columns: columns, type: QuantType(ggmlType: ggmlType), bytes: bytes, owner: owner)
    }

    /// Bytes of weight storage (the encoded matrix; scratch used by matmuls is transient).
    public var memoryBytes: Int { bytes.count }

    /// Runs `body` on the encoded bytes with this matrix (and so its owner) kept alive.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    /// Shape as a tensor would have it, for messages.
    public var shape: [Int] { [rows, columns] }

    private static func validatedRowBytes(rows: Int, columns: Int, type: QuantType, byteCount: Int) throws -> Int {
        let op = "QuantizedMatrix"
        guard rows >= 0, columns >= 0 else {
            throw TensorError.invalidShape(op: op, shape: [rows, columns], reason: "extents must be non-negative")
        }
        guard let rowBytes = type.rowBytes(columns: columns) else {
            throw TensorError.invalidShape(op: op, shape: [rows, columns],
                                           reason: "\(type) stores blocks of \(type.blockSize) elements, so columns (\(columns)) must be a multiple of \(type.blockSize)")
        }
        let (total, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else {
            throw TensorError.invalidShape(op: op, shape: [rows, columns],
                                           reason: "\(rows) rows × \(rowBytes) bytes per row overflows")
        }
        guard total == byteCount else {
            throw TensorError.invalidShape(op: op, shape: [rows, columns],
                                           reason: "\(type) needs \(rows) rows × \(rowBytes) bytes = \(total) bytes, but \(byteCount) were given")
        }
        return rowBytes
    }

    // MARK: - Reading

    /// Start of row `r`'s encoded bytes.
    @inline(__always)
    func rowPointer(_ r: Int) -> UnsafeRawPointer {
        bytes.baseAddress! + r * rowBytes
    }

    /// Decodes rows `range` into `destination` as a row-major [range.count, columns] array.
    /// Parallel over rows when the range is large.
    public func dequantizeRows(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows,
                     "QuantizedMatrix.dequantizeRows: rows \(range) outside 0..<\(rows)")
        guard !range.isEmpty, columns > 0 else { return }
        let columns = self.columns
        let start = range.lowerBound
        // Chunks of ≥ 64K elements: below that a thread wake-up costs more than the decode.
        Threads.parallelFor(range.count, minChunk: max(1, 65_536 / columns)) { chunk in
            decodeSlice(rows: (start + chunk.lowerBound)..<(start + chunk.upperBound), columns: 0..<columns,
                        into: destination + chunk.lowerBound * columns)
        }
    }

    /// Decodes columns `columns` (whole blocks) of rows `rows` into `destination` as a
    /// row-major [rows.count, columns.count] array, on the calling thread: with the AVX2 block
    /// decode where the type has one, else the portable decode.
    func decodeSlice(rows: Range<Int>, columns: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let offset = columns.lowerBound / type.blockSize * type.bytesPerBlock   // bytes into each row
        if KernelSet.useAVX2, let avx2Type = QuantizedMatmul.avx2BlockType(type) {
            strata_avx2_dequantize_rows(Int32(avx2Type.rawValue), bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset,
                                        rowBytes, rows.lowerBound, rows.upperBound, columns.count, destination)
            return
        }
        let format = type.format
        for (i, r) in rows.enumerated() {
            format.decode(rowPointer(r) + offset, destination + i * columns.count, count: columns.count)
        }
    }

    /// The whole matrix as a dense [rows, columns] tensor (off the graph).
    public func dequantized() -> Tensor {
        let out = Tensor(zeros: [rows, columns])
        dequantizeRows(0..<rows, into: out.data)
        return out
    }

    // MARK: - Making

    /// Encodes a dense [rows, columns] tensor with ggml's reference quantizers. Quantized
    /// types need finite values and columns a multiple of 32.
    public static func quantize(_ w: Tensor, as type: QuantType) throws -> QuantizedMatrix {
        let op = "QuantizedMatrix.quantize"
        guard w.rank == 2 else {
            throw TensorError.invalidShape(op: op, shape: w.shape, reason: "a weight matrix must have rank 2 [rows, columns]")
        }
        let rows = w.shape[0], columns = w.shape[1]
        guard let rowBytes = type.rowBytes(columns: columns) else {
            throw TensorError.invalidShape(op: op, shape: w.shape,
                                           reason: "\(type) stores blocks of \(type.blockSize) elements, so columns (\(columns)) must be a multiple of \(type.blockSize)")
        }
        let source = w.contiguous()
        if type.blockSize > 1 {
            for i in 0..<source.count where !source.data[i].isFinite {
                throw TensorError.invalidArgument(op: op, reason: "element \(i) of \(Tensor.describe(w.shape)) is \(source.data[i]); \(type) can only encode finite values")
            }
        }
        let (total, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else {
            throw TensorError.invalidShape(op: op, shape: w.shape, reason: "the encoded size overflows")
        }
        let buffer = OwnedBytes(count: total)
        let format = type.format
        Threads.parallelFor(rows, minChunk: max(1, 16_384 / max(columns, 1))) { chunk in
            for r in chunk {
                format.encode(source.data + r * columns, buffer.pointer + r * rowBytes, count: columns)
            }
        }
        let matrix = try QuantizedMatrix(rows: rows, columns: columns, type: type,
                                         bytes: UnsafeRawBufferPointer(start: buffer.pointer, count: total), owner: buffer)
        matrix.name = w.name
        return matrix
    }
}

extension QuantizedMatrix: CustomStringConvertible {
    public var description: String {
        "QuantizedMatrix\(Tensor.describe(shape))(\(type), \(memoryBytes) bytes)"
    }
}

/// A 64-byte-aligned byte buffer owned by a `QuantizedMatrix`.
final class OwnedBytes {
    let pointer: UnsafeMutableRawPointer

    init(count: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
