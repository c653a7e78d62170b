#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes Float32 tensors as a safetensors file (checkpoints, PEFT adapter export).
///
/// The header is compact JSON with sorted keys, padded with spaces so the data section starts
/// 8-byte aligned; tensors are stored back to back in name order. The file is written beside
/// its destination and renamed into place, so a reader never sees half a file.
public enum SafetensorsWriter {
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]? = nil,
                             to path: String) throws {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__", !name.isEmpty else {
                throw ModelFileError.malformed("cannot write a tensor named '\(name)'")
            }
            guard seen.insert(name).inserted else {
                throw ModelFileError.malformed("cannot write two tensors named '\(name)'")
            }
        }
        let ordered = tensors.sorted { $0.name < $1.name }.map { ($0.name, $0.tensor.contiguous()) }

        var header: [String: JSONValue] = [:]
        var offset = 0
        for (name, tensor) in ordered {
            let bytes = tensor.count * MemoryLayout<Float>.size
            header[name] = .object([
                "dtype": .string(SafetensorsDType.f32.rawValue),
                "shape": .array(tensor.shape.map { .int($0) }),
                "data_offsets": .array([.int(offset), .int(offset + bytes)]),
            ])
            offset += bytes
        }
        if let metadata, !metadata.isEmpty {
            header["__metadata__"] = .object(metadata.mapValues { .string($0) })
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }

        let temporary = path + ".partial-\(getpid())"
        guard let stream = fopen(temporary, "wb") else {
            throw ModelFileError.cannotOpen(path: temporary, reason: String(cString: strerror(errno)))
        }
        var ok = true
        var length = UInt64(headerBytes.count).littleEndian
        ok = ok && withUnsafeBytes(of: &length) { fwrite($0.baseAddress, 1, 8, stream) == 8 }
        ok = ok && headerBytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stream) == $0.count }
        // Float storage is native-endian; Strata runs on little-endian hosts, as the format requires.
        for (_, tensor) in ordered where tensor.count > 0 {
            ok = ok && fwrite(tensor.data, MemoryLayout<Float>.size, tensor.count, stream) == tensor.count
        }
        ok = (fclose(stream) == 0) && ok
        guard ok, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ModelFileError.cannotOpen(path: path, reason: "write failed: \(reason)")
        }
    }
}
