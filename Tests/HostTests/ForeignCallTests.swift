import Foundation
import Host
import XCTest

final class ForeignCallTests: XCTestCase {
    func signature(_ text: String) throws -> ForeignSignature { try ForeignSignature(parsing: text) }

    func call(_ library: ForeignLibrary, _ text: String, _ arguments: [Value]) throws -> Value {
        let parsed = try signature(text)
        return try ForeignFunctionCaller.call(symbol: parsed.name, in: library, signature: parsed, arguments: arguments)
    }

    func testLibcAndLibm() throws {
        let libc = try ForeignLibrary.open("libc.so.6")
        let libm = try ForeignLibrary.open("libm.so.6")
        XCTAssertEqual(try call(libc, "abs(Int32) -> Int32", [.int(-42)]), .int(42))
        XCTAssertEqual(try call(libc, "labs(Int) -> Int", [.int(-(1 << 40))]), .int(1 << 40))
        XCTAssertEqual(try call(libc, "llabs(Int64) -> Int64", [.int(Int.min + 1)]), .int(Int.max))
        XCTAssertEqual(try call(libc, "strlen(s: String) -> UInt64", [.string("héllo")]), .int(6))
        XCTAssertEqual(try call(libm, "pow(x: Double, y: Double) -> Double", [.double(2), .int(10)]), .double(1024))
        XCTAssertEqual(try call(libm, "sqrtf(Float) -> Float", [.double(2.25)]), .double(1.5))
        // Symbols of the libraries the process has loaded.
        XCTAssertEqual(try call(try ForeignLibrary.process(), "abs(Int32) -> Int32", [.int(-7)]), .int(7))
    }

    func testCompiledLibraryWithEveryType() throws {
        let library = try compileLibrary("""
            #include <stdbool.h>
            #include <stdint.h>
            static int32_t pings = 0;
            int32_t stage_of(int32_t layer) { return layer < 10 ? 0 : layer < 20 ? 1 : 2; }
            int64_t mul(int64_t a, int64_t b) { return a * b; }
            uint32_t wrap(uint32_t a) { return a + 1u; }
            uint64_t big(void) { return UINT64_MAX; }
            double scale(double x, float by) { return x * by; }
            bool is_even(int32_t v) { return v % 2 == 0; }
            bool negate(bool v) { return !v; }
            void ping(void) { pings += 1; }
            int32_t ping_count(void) { return pings; }
            int32_t sum5(int32_t a, int64_t b, double c, float d, uint32_t e) { return a + (int32_t)b + (int32_t)c + (int32_t)d + (int32_t)e; }
            """)
        XCTAssertEqual(try call(library, "stage_of(layer: Int32) -> Int32", [.int(15)]), .int(1))
        XCTAssertEqual(try call(library, "mul(Int64, Int64) -> Int64", [.int(1 << 31), .int(-3)]), .int(-(3 << 31)))
        XCTAssertEqual(try call(library, "wrap(UInt32) -> UInt32", [.int(Int(UInt32.max))]), .int(0))
        XCTAssertEqual(try call(library, "scale(x: Double, by: Float) -> Double", [.double(1.5), .double(4)]), .double(6))
        XCTAssertEqual(try call(library, "is_even(Int32) -> Bool", [.int(4)]), .bool(true))
        XCTAssertEqual(try call(library, "negate(Bool) -> Bool", [.bool(true)]), .bool(false))
        XCTAssertEqual(try call(library, "ping()", []), .void)
        XCTAssertEqual(try call(library, "ping() -> Void", []), .void)
        XCTAssertEqual(try call(library, "ping_count() -> Int32", []), .int(2))
        XCTAssertEqual(try call(library, "sum5(Int32, Int64, Double, Float, UInt32) -> Int32",
                                [.int(1), .int(2), .double(3), .double(4), .int(5)]), .int(15))
        XCTAssertThrowsError(try call(library, "big() -> UInt64", [])) { error in
            XCTAssertTrue("\(error)".contains("beyond Int's range"), "\(error)")
        }
        XCTAssertEqual(try call(library, "big() -> Int64", []), .int(-1))
    }

    func testErrorsNameTheProblem() throws {
        let libc = try ForeignLibrary.open("libc.so.6")
        func message(_ text: String, _ arguments: [Value]) -> String {
            do { _ = try call(libc, text, arguments); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("no_such_function() -> Int32", []).hasPrefix("no function 'no_such_function' in libc.so.6: "))
        XCTAssertEqual(message("abs(Int32) -> Int32", [.int(1), .int(2)]), "abs(Int32) -> Int32 takes 1 argument, got 2")
        XCTAssertEqual(message("abs(v: Int32) -> Int32", [.int(1 << 40)]),
                       "argument 1 (v) of abs: 1099511627776 does not fit Int32 (-2147483648...2147483647)")
        XCTAssertEqual(message("labs(Int) -> Int", [.string("x")]), "argument 1 of labs expects Int64, got String \"x\"")
        XCTAssertEqual(message("pow(Double, Double) -> Double", [.string("2"), .int(1)]),
                       "argument 1 of pow expects Double, got String \"2\"")
        XCTAssertEqual(message("labs(UInt64) -> Int", [.int(-1)]),
                       "argument 1 of labs: -1 does not fit UInt64 (0...18446744073709551615)")
        XCTAssertTrue(message("strlen(String) -> Int", [.string("a\u{0}b")]).contains("NUL"))
        XCTAssertThrowsError(try ForeignLibrary.open("/nonexistent/libnothing.so")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot open library /nonexistent/libnothing.so: "), "\(error)")
        }
    }

    func testSignatureParsing() throws {
        let parsed = try signature("  scale( x : Double,by: Float )->Double ")
        XCTAssertEqual(parsed.name, "scale")
        XCTAssertEqual(parsed.parameters, [.init(label: "x", type: .double), .init(label: "by", type: .float)])
        XCTAssertEqual(parsed.returnType, .double)
        XCTAssertEqual(parsed.description, "scale(x: Double, by: Float) -> Double")
        XCTAssertEqual(try signature("add(Int, Int64) -> Int").parameters.map(\.type), [.int64, .int64])
        XCTAssertEqual(try signature("ping()").returnType, .void)

        func failure(_ text: String) -> String {
            do { _ = try signature(text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(failure("f(x: Int8) -> Int32"),
                       "unsupported type 'Int8' in 'f(x: Int8) -> Int32'; supported: Int, Int32, Int64, UInt32, UInt64, Float, Double, Bool, Void, String")
        XCTAssertEqual(failure("name() -> String"), "String is supported for arguments only (const char *), not as a return type")
        XCTAssertEqual(failure("f(Int32"), "expected ')' at column 8 of 'f(Int32', found the end")
        XCTAssertEqual(failure("f(Int32) Int32"), "unexpected text after the signature at column 10 of 'f(Int32) Int32', found 'I'")
        XCTAssertEqual(failure("1f()"), "expected a function name at column 1 of '1f()', found '1'")
        XCTAssertTrue(failure("f(Void) -> Int32").contains("is Void"))
    }

    /// Compiles C source into a shared library in a temporary directory and opens it.
    func compileLibrary(_ source: String) throws -> ForeignLibrary {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ffi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let sourceFile = directory.appendingPathComponent("fixture.c")
        let libraryFile = directory.appendingPathComponent("libfixture.so")
        try source.write(to: sourceFile, atomically: true, encoding: .utf8)
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-shared", "-fPIC", "-O1", "-o", libraryFile.path, sourceFile.path]
        try compiler.run()
        compiler.waitUntilExit()
        guard compiler.terminationStatus == 0 else { throw XCTSkip("no C compiler (cc) to build the fixture library") }
        return try ForeignLibrary.open(libraryFile.path)
    }
}
