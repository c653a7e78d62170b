import CFFI
import Foundation

/// A shared library opened for `call`: a plugin's handle, a named library, or the process.
/// Libraries are never closed (a Swift library cannot be unloaded safely).
public final class ForeignLibrary {
    public let handle: UnsafeMutableRawPointer
    /// How the library is named in messages.
    public let name: String

    /// Wraps a handle from `dlopen` (e.g. a loaded plugin's).
    public init(handle: UnsafeMutableRawPointer, name: String) {
        self.handle = handle
        self.name = name
    }

    /// Opens `path` (a file path, or a name the dynamic loader searches such as `libm.so.6`).
    public static func open(_ path: String) throws -> ForeignLibrary {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw ForeignCallError.library("cannot open library \(path): \(lastLoaderError() ?? "unknown error")")
        }
        return ForeignLibrary(handle: handle, name: path)
    }

    /// The running process and the libraries it has loaded (libc among them).
    public static func process() throws -> ForeignLibrary {
        guard let handle = dlopen(nil, RTLD_NOW) else {
            throw ForeignCallError.library("cannot open the process's symbols: \(lastLoaderError() ?? "unknown error")")
        }
        return ForeignLibrary(handle: handle, name: "the strata process")
    }

    /// The address of `symbol`, or an error carrying the loader's reason.
    public func address(of symbol: String) throws -> UnsafeMutableRawPointer {
        _ = dlerror()  // clear a stale message
        guard let address = dlsym(handle, symbol) else {
            let reason = Self.lastLoaderError() ?? "symbol not found"
            throw ForeignCallError.unknownSymbol("no function '\(symbol)' in \(name): \(reason)")
        }
        return address
    }

    static func lastLoaderError() -> String? {
        dlerror().map { String(cString: $0) }
    }
}

/// Calls C-ABI functions whose signature is known only at run time, through libffi.
public enum ForeignFunctionCaller {
    /// Calls `symbol` in `library` with `arguments` converted to the signature's C types.
    ///
    /// Throws `ForeignCallError` for an unknown symbol, a wrong number of arguments, or an
    /// argument that does not fit its type; nothing is called then. The signature must match
    /// the function's real C prototype: libffi cannot check that.
    public static func call(symbol: String, in library: ForeignLibrary, signature: ForeignSignature,
                            arguments: [Value]) throws -> Value {
        let count = signature.parameters.count
        guard arguments.count == count else {
            throw ForeignCallError.arity("\(signature) takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)")
        }
        let converted = try arguments.indices.map { try ForeignArgument(arguments[$0], for: $0, of: signature) }
        let function = try library.address(of: symbol)
        return try invoke(function, signature: signature, arguments: converted)
    }

    /// Opens the library at `path` (kept open) and calls `symbol` in it.
    public static func call(symbol: String, inLibraryAt path: String, signature: ForeignSignature,
                            arguments: [Value]) throws -> Value {
        try call(symbol: symbol, in: ForeignLibrary.open(path), signature: signature, arguments: arguments)
    }

    private static func invoke(_ function: UnsafeMutableRawPointer, signature: ForeignSignature,
                               arguments: [ForeignArgument]) throws -> Value {
        let count = arguments.count
        // One 8-byte slot per argument (every supported type fits), and 16 bytes for the result.
        let slots = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 8, alignment: 8)
        let result = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        let values = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(1, count))
        let types = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: max(1, count))
        var strings: [UnsafeMutablePointer<CChar>?] = []
        defer {
            strings.forEach { free($0) }
            slots.deallocate(); result.deallocate(); values.deallocate(); types.deallocate()
        }
        result.initializeMemory(as: UInt8.self, repeating: 0, count: 16)

        for (index, argument) in arguments.enumerated() {
            let slot = slots + index * 8
            switch argument {
            case let .int32(v): slot.storeBytes(of: v, as: Int32.self)
            case let .int64(v): slot.storeBytes(of: v, as: Int64.self)
            case let .uint32(v): slot.storeBytes(of: v, as: UInt32.self)
            case let .uint64(v): slot.storeBytes(of: v, as: UInt64.self)
            case let .float(v): slot.storeBytes(of: v, as: Float.self)
            case let .double(v): slot.storeBytes(of: v, as: Double.self)
            case let .bool(v): slot.storeBytes(of: v ? 1 : 0, as: UInt8.self)
            case let .string(v):
                let copy = strdup(v)
                strings.append(copy)
                slot.storeBytes(of: UnsafeRawPointer(copy), as: UnsafeRawPointer?.self)
            }
            values[index] = slot
            types[index] = FFITypes.pointer(for: signature.parameters[index].type)
        }

        var cif = ffi_cif()
        let status = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, UInt32(count),
                                  FFITypes.pointer(for: signature.returnType), count > 0 ? types : nil)
        guard status == FFI_OK else {
            throw ForeignCallError.preparation("libffi cannot prepare a call to \(signature) (status \(status.rawValue))")
        }
        ffi_call(&cif, unsafeBitCast(function, to: (@convention(c) () -> Void).self), result, count > 0 ? values : nil)
        return try decode(result, as: signature.returnType, of: signature)
    }

    /// libffi widens integer results narrower than a register to a full `ffi_arg`.
    private static func decode(_ result: UnsafeMutableRawPointer, as type: ForeignType,
                               of signature: ForeignSignature) throws -> Value {
        let register = result.load(as: UInt64.self)
        switch type {
        case .void: return .void
        case .int32: return .int(Int(Int32(truncatingIfNeeded: register)))
        case .uint32: return .int(Int(UInt32(truncatingIfNeeded: register)))
        case .int64: return .int(Int(Int64(bitPattern: register)))
        case .uint64:
            guard let value = Int(exactly: register) else {
                throw ForeignCallError.result("\(signature.name) returned \(register), beyond Int's range; declare the result Int64 to see its bits")
            }
            return .int(value)
        case .bool: return .bool(UInt8(truncatingIfNeeded: register) != 0)
        case .float: return .double(Double(result.load(as: Float.self)))
        case .double: return .double(result.load(as: Double.self))
        case .string:
            throw ForeignCallError.signature("String is supported for arguments only")
        }
    }
}

/// libffi type descriptions, built here rather than taken from libffi's globals so that
/// their addresses are stable Swift allocations that live for the whole process.
private enum FFITypes {
    static let table: [ForeignType: UnsafeMutablePointer<ffi_type>] = {
        func make(_ size: Int, _ code: Int32) -> UnsafeMutablePointer<ffi_type> {
            let type = UnsafeMutablePointer<ffi_type>.allocate(capacity: 1)
            type.initialize(to: ffi_type(size: size, alignment: UInt16(size), type: UInt16(code), elements: nil))
            return type
        }
        return [
            .void: make(1, FFI_TYPE_VOID), .int32: make(4, FFI_TYPE_SINT32), .uint32: make(4, FFI_TYPE_UINT32),
            .int64: make(8, FFI_TYPE_SINT64), .uint64: make(8, FFI_TYPE_UINT64), .float: make(4, FFI_TYPE_FLOAT),
            .double: make(8, FFI_TYPE_DOUBLE), .bool: make(1, FFI_TYPE_UINT8), .string: make(8, FFI_TYPE_POINTER),
        ]
    }()

    static func pointer(for type: ForeignType) -> UnsafeMutablePointer<ffi_type>? { table[type] }
}
