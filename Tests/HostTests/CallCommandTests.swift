import Foundation
import Host
import XCTest

/// `call` through libffi on functions a plugin exports, and on the process's own symbols.
final class CallCommandTests: XCTestCase {
    func testCallsPluginExportedFunctionsWithInt32Int64AndDouble() throws {
        let root = NSTemporaryDirectory() + "strata-call-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var written = ""
        let session = Session(write: { written += $0 })
        let files = try PluginTemplate.write(name: "Calc", into: root)
        let folder = (files[0] as NSString).deletingLastPathComponent
        try """
        @_cdecl("calc_add_i32") public func calcAddInt32(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
        @_cdecl("calc_mul_i64") public func calcMultiplyInt64(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
        @_cdecl("calc_scale") public func calcScale(_ x: Double, _ times: Int64) -> Double { x * Double(times) }
        """.write(toFile: folder + "/Exports.swift", atomically: true, encoding: .utf8)
        let interpreter = Interpreter(runner: session) { written += $0 + "\n" }
        try interpreter.run("""
        plugin load "\(folder)"
        let a = call calc "calc_add_i32(a: Int32, b: Int32) -> Int32" 40 2
        let b = call calc "calc_mul_i64(Int64, Int64) -> Int64" 3000000000 3
        let c = call calc "calc_scale(x: Double, times: Int64) -> Double" 0.25 6
        """)
        XCTAssertEqual(interpreter.value(of: "a"), .int(42))
        XCTAssertEqual(interpreter.value(of: "b"), .int(9_000_000_000))
        XCTAssertEqual(interpreter.value(of: "c"), .double(1.5))
        // Wrong arity and an out-of-range value are errors, and the session goes on.
        XCTAssertThrowsError(try interpreter.run("call calc \"calc_add_i32(Int32, Int32) -> Int32\" 1"))
        XCTAssertThrowsError(try interpreter.run("call calc \"calc_add_i32(Int32, Int32) -> Int32\" 1 5000000000")) { error in
            XCTAssertTrue("\(error)".contains("Int32"), "\(error)")
        }
        XCTAssertThrowsError(try interpreter.run("call calc \"no_such_function() -> Int32\""))
        try interpreter.run("let d = call process \"labs(Int64) -> Int64\" -7")
        XCTAssertEqual(interpreter.value(of: "d"), .int(7))
    }
}
