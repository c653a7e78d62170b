import Compute
import XCTest

final class RMSNormTests: XCTestCase {
    func testMatchesDefinition() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, -4, 0, 4])
        let w = try Tensor(shape: [3], scalars: [1, 0.5, 2])
        let epsilon: Float = 1e-5
        let y = try rmsNorm(x, weight: w, epsilon: epsilon)
        var expected: [Float] = []
        for row in 0..<2 {
            let values = Array(x.scalars[(row * 3)..<(row * 3 + 3)])
            let meanSquare = values.map { $0 * $0 }.reduce(0, +) / 3
            let scale = 1 / (meanSquare + epsilon).squareRoot()
            expected += (0..<3).map { values[$0] * scale * w.scalars[$0] }
        }
        assertClose(y.scalars, expected, atol: 1e-6)
    }

    func testGradients() throws {
        let x = parameter([2, 3, 6], seed: 1), w = parameter([6], seed: 2)
        try assertGradientsMatch([x, w]) { xs in try rmsNorm(xs[0], weight: xs[1], epsilon: 1e-5) }
    }

    func testShapeErrorNamesBothShapes() {
        assertKernelError(try rmsNorm(Tensor(zeros: [2, 4]), weight: Tensor(zeros: [3]), epsilon: 1e-5),
                          mentions: ["rmsNorm", "[2, 4]", "[3]"])
    }
}
