// libFuzzer entry for the safetensors header parser (and the JSON parser under it).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? JSONValue.parse(bytes).serialized()
    guard let contents = try? SafetensorsReader.parse(bytes) else { return 0 }
    var checksum: UInt8 = 0
    for tensor in contents.tensors where tensor.byteCount > 0 {
        checksum ^= bytes[tensor.fileOffset] ^ bytes[tensor.fileOffset + tensor.byteCount - 1]
    }
    return checksum == 0xFF ? 0 : 0
}
