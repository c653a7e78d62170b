import Compute
import Foundation
import XCTest

final class NumpyArrayFileTests: XCTestCase {
    func testRoundTripKeepsShapeAndValues() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-7, -1e7])
        let back = try NumpyArrayFile.decode(NumpyArrayFile.encode(t))
        XCTAssertEqual(back.shape, [2, 3])
        XCTAssertEqual(back.scalars, t.scalars)
    }

    func testHeaderIsPaddedTo64BytesAndDescribesFloat32() throws {
        let data = NumpyArrayFile.encode(try Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (5,)"), header)
        XCTAssertEqual(data.count, 10 + headerLength + 20)
    }

    func testBadInputsAreErrors() {
        XCTAssertThrowsError(try NumpyArrayFile.decode(Data("hello world!".utf8)))
        var truncated = NumpyArrayFile.encode(Tensor(zeros: [4]))
        truncated.removeLast(3)
        XCTAssertThrowsError(try NumpyArrayFile.decode(truncated)) { error in
            XCTAssertTrue("\(error)".contains("needs 16"), "\(error)")
        }
    }
}
