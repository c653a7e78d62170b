// libFuzzer entry for the GGUF parser: any input must parse or throw, never crash or read
// outside the buffer (AddressSanitizer checks the reads).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let contents = try? GGUFReader.parse(bytes) else { return 0 }
    // Touch the first and last byte of every tensor so an out-of-range span is caught.
    var checksum: UInt8 = 0
    for tensor in contents.tensors where tensor.byteCount > 0 {
        checksum ^= bytes[tensor.fileOffset] ^ bytes[tensor.fileOffset + tensor.byteCount - 1]
    }
    for key in contents.metadata.keys {
        _ = try? contents.metadata.int(key)
        _ = try? contents.metadata.stringArray(key)
        _ = try? contents.metadata.floatArray(key)
        _ = contents.metadata[key]?.description
    }
    return checksum == 0xFF ? 0 : 0
}
