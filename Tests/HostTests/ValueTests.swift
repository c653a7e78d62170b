import Host
import XCTest

final class ValueTests: XCTestCase {
    func testRecordKeepsFieldOrderAndReplacesInPlace() {
        var r = Record([("dataset", .string("gsm8k")), ("n", .int(20))])
        r["accuracy"] = .double(0.25)
        r["n"] = .int(21)
        XCTAssertEqual(r.names, ["dataset", "n", "accuracy"])
        XCTAssertEqual(r["n"], .int(21))
        XCTAssertEqual(r.description, "{dataset: \"gsm8k\", n: 21, accuracy: 0.25}")
        r["n"] = nil
        XCTAssertEqual(r.names, ["dataset", "accuracy"])
    }

    func testDescriptionsQuoteStringsOnlyInsideContainers() {
        XCTAssertEqual(Value.string("hi").description, "hi")
        XCTAssertEqual(Value.array([.string("hi"), .int(2), .double(0.5)]).description, "[\"hi\", 2, 0.5]")
        XCTAssertEqual(Value.double(.infinity).description, "inf")
    }
}
