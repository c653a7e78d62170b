import Compute
import Foundation
import XCTest

final class SwiGLUTests: XCTestCase {
    func testMatchesDefinition() throws {
        let gate = try Tensor(shape: [3], scalars: [-2, 0, 1.5]), up = try Tensor(shape: [3], scalars: [3, 4, -2])
        let expected = zip(gate.scalars, up.scalars).map { g, u in g / (1 + exp(-g)) * u }
        assertClose(try swiglu(gate: gate, up: up).scalars, expected, atol: 1e-6)
    }

    func testGradients() throws {
        let gate = parameter([2, 3, 4], seed: 1, scale: 2), up = parameter([2, 3, 4], seed: 2)
        try assertGradientsMatch([gate, up]) { xs in try swiglu(gate: xs[0], up: xs[1]) }
    }

    func testShapeErrorNamesBothShapes() {
        assertKernelError(try swiglu(gate: Tensor(zeros: [2, 3]), up: Tensor(zeros: [2, 4])),
                          mentions: ["swiglu", "[2, 3]", "[2, 4]"])
    }
}
