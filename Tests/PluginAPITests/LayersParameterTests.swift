import XCTest
import PluginAPI

/// The `layers` parameter kind: words, ranges from the REPL (arrays) and single indices, kept
/// as canonical text.
final class LayersParameterTests: XCTestCase {
    private let schema = ParameterSchema([ParameterSpec("layers", .layers, default: .string("all"), help: "layers")])

    private func parsed(_ value: ParameterValue) throws -> String {
        try schema.parse([("layers", value)], method: "lora").string("layers")
    }

    func testAcceptsWordsRangesListsAndIndices() throws {
        XCTAssertEqual(try schema.parse([], method: "lora").string("layers"), "all")
        XCTAssertEqual(try parsed(.string("all")), "all")
        XCTAssertEqual(try parsed(.string("2..<5")), "2...4")
        XCTAssertEqual(try parsed(.string("4,0,8")), "0,4,8")
        XCTAssertEqual(try parsed(.list([.int(1), .int(2), .int(3)])), "1...3")     // `layers=1...3` in the REPL
        XCTAssertEqual(try parsed(.int(6)), "6")
        XCTAssertEqual(ParameterKind.layers.description, "all | a...b | i,j,k")
    }

    func testRejectsWhatIsNotALayerSelection() {
        XCTAssertThrowsError(try parsed(.string("every"))) {
            XCTAssertEqual("\($0)", "lora layers=every: \"every\" is not a layer index; use all, a...b or i,j,k with indices from 0")
        }
        XCTAssertThrowsError(try parsed(.list([.string("a")]))) { XCTAssertEqual("\($0)", "lora layers=a: expected all | a...b | i,j,k, got String") }
        XCTAssertThrowsError(try parsed(.int(-1))) { XCTAssertTrue("\($0)".contains("expected all | a...b | i,j,k, got Int"), "\($0)") }
        XCTAssertThrowsError(try parsed(.double(1.5)))
    }
}
