/// A bounds-checked little-endian cursor over raw bytes.
///
/// Every read checks the remaining length first (with arithmetic that cannot overflow) and
/// throws `ModelFileError.truncated` naming what was being read and at which offset, so a
/// short or hostile file never reads past its end.
public struct ByteReader {
    /// The bytes being read; the reader never retains or frees them.
    public let bytes: UnsafeRawBufferPointer
    /// Offset of the next byte to read, from the start of `bytes`.
    public private(set) var offset: Int = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes left after `offset`.
    public var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available for reading `what`.
    public func require(_ count: Int, for what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw ModelFileError.truncated(what: what(), offset: offset, needed: count, remaining: remaining)
        }
    }

    /// Same as `require` for a count held in a wider unsigned type (a length field read from the file).
    public func require(_ count: UInt64, for what: @autoclosure () -> String) throws {
        guard count <= UInt64(remaining) else {
            let needed = count > UInt64(Int.max) ? Int.max : Int(count)
            throw ModelFileError.truncated(what: what(), offset: offset, needed: needed, remaining: remaining)
        }
    }

    /// Reads a fixed-width little-endian integer.
    public mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        try require(size, for: what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    public mutating func readUInt8(_ what: @autoclosure () -> String) throws -> UInt8 { try read(UInt8.self, what()) }
    public mutating func readUInt32(_ what: @autoclosure () -> String) throws -> UInt32 { try read(UInt32.self, what()) }
    public mutating func readUInt64(_ what: @autoclosure () -> String) throws -> UInt64 { try read(UInt64.self, what()) }

    /// Reads a little-endian IEEE 754 single.
    public mutating func readFloat32(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    /// Reads a little-endian IEEE 754 double.
    public mutating func readFloat64(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Returns the next `count` bytes as a view into `bytes` and advances past them.
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try require(count, for: what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        offset += count
        return slice
    }

    /// Reads `count` bytes as UTF-8 (invalid sequences become U+FFFD).
    public mutating func readUTF8(_ count: UInt64, _ what: @autoclosure () -> String) throws -> String {
        try require(count, for: what())
        let slice = try readBytes(Int(count), what())
        return String(decoding: slice, as: UTF8.self)
    }

    /// Advances by `count` bytes.
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        try require(count, for: what())
        offset += count
    }

    /// Moves to an absolute offset within (or at the end of) the bytes.
    public mutating func seek(to newOffset: Int, _ what: @autoclosure () -> String) throws {
        guard newOffset >= 0, newOffset <= bytes.count else {
            throw ModelFileError.truncated(what: what(), offset: offset,
                                           needed: max(0, newOffset - offset), remaining: remaining)
        }
        offset = newOffset
    }
}

extension Int {
    /// `self` rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
    func alignedUp(to alignment: Int) -> Int? {
        let (sum, overflow) = addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
