import Compute
import Foundation

/// `call LIBRARY "name(label: Type, …) -> Type" ARGS…` — a C-ABI function through libffi
/// (DESIGN §6). LIBRARY is a plugin's method name (its loaded library), `process` (symbols
/// of the running process, e.g. libc), or a path to a shared library.
enum CallCommand {
    static let spec = CommandSpec(
        name: "call", usage: "call PLUGIN|process|LIB.so \"name(x: Int32, Double) -> Int64\" ARGS…",
        summary: "Call a C function exported by a plugin or a shared library (libffi).") { session, args in
        let target = try args.string(at: 0, "plugin name, `process` or library path")
        let signature = try ForeignSignature(parsing: try args.string(at: 1, "signature in quotes"))
        let arguments = Array(args.positional.dropFirst(2))
        let library: ForeignLibrary
        if target == "process" {
            library = try ForeignLibrary.process()
        } else if target.contains("/") || target.hasSuffix(".so") {
            library = try ForeignLibrary.open((target as NSString).expandingTildeInPath)
        } else {
            _ = try session.plugins.registration(named: target)
            guard let path = session.plugins.listing().first(where: { $0.name == target })?.library else {
                throw CommandError("call: plugin '\(target)' has no loaded library")
            }
            library = try ForeignLibrary.open(path)
        }
        let result = try ForeignFunctionCaller.call(symbol: signature.name, in: library, signature: signature, arguments: arguments)
        if result != .void { session.say(result.description, args) }
        return result
    }
}
