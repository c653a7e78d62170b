import Foundation

/// Writes and reads NumPy `.npy` files (format 1.0, little-endian float32, C order): the
/// interchange format for logit dumps and point clouds that Python tools read directly.
public enum NumpyArrayFile {
    /// Serialises `tensor` as a float32 `.npy` byte image.
    public static func encode(_ tensor: Tensor) -> Data {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let values = tensor.scalars
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `tensor` to `path` atomically.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try encode(tensor).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Parses a float32 or float64 little-endian C-order `.npy` image.
    public static func decode(_ data: Data) throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> Error {
            TensorError.invalidArgument(op: "npy", reason: reason)
        }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (the magic \\x93NUMPY is missing)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("header runs past the end of the file") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let isDouble: Bool
        if header.contains("'<f4'") { isDouble = false } else if header.contains("'<f8'") { isDouble = true } else {
            throw fail("only little-endian float32/float64 arrays are supported (header: \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        guard header.contains("'fortran_order': False") else { throw fail("Fortran-order arrays are not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw fail("the header has no shape")
        }
        let shape = try header[open.upperBound..<close].split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 0 else { throw fail("bad shape entry '\(part)'") }
            return n
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n)
            return (p, acc.1 || o)
        }
        let width = isDouble ? 8 : 4
        let start = headerStart + headerLength
        guard !overflow, count <= (bytes.count - start) / width, count * width == bytes.count - start else {
            throw fail("the data holds \(bytes.count - start) bytes, the shape \(shape) needs \(overflow ? -1 : count * width)")
        }
        let tensor = Tensor(zeros: shape)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                if isDouble {
                    tensor.data[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: start + i * 8, as: UInt64.self).littleEndian))
                } else {
                    tensor.data[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + i * 4, as: UInt32.self).littleEndian)
                }
            }
        }
        return tensor
    }

    public static func read(_ path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TensorError.invalidArgument(op: "npy", reason: "cannot read \(path)")
        }
        return try decode(data)
    }
}
