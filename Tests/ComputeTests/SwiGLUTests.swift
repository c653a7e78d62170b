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

    /// The AVX2 gate (its own e^x) against libm's expf in the portable loop: within a few ulp
    /// for gates from −100 to 100 (past e^x's clamps at −87 and 88) and lengths past and off
    /// eight lanes; a NaN stays a NaN. Several threads split the work at lengths that are not
    /// multiples of 8.
    func testAVX2GateAgreesWithThePortableOne() throws {
        try comparingKernelSets(threads: 3) {
            var generator = SeededGenerator(seed: 9)
            for count in [1, 7, 8, 9, 23, 64, 100_003] {
                let uniform = Tensor.randn([count], generator: &generator).scalars
                // Gates from −100 to 100 (e^−g from e^−100 to e^100), spread exponentially.
                var gates = uniform.map { Float(copysign(exp(Double(abs($0)) * 1.5) - 1, Double($0))) }
                gates = gates.map { min(100, max(-100, $0)) }
                if count > 8 { gates[0] = 0; gates[3] = -0; gates[count - 1] = .nan; gates[5] = 88.5; gates[6] = -87.5 }
                let gate = try Tensor(shape: [count], scalars: gates)
                let up = Tensor.randn([count], generator: &generator)
                KernelSet.useAVX2 = true
                let fast = try swiglu(gate: gate, up: up).scalars
                KernelSet.useAVX2 = false
                let portable = try swiglu(gate: gate, up: up).scalars
                for i in 0..<count {
                    if portable[i].isNaN {
                        XCTAssertTrue(fast[i].isNaN, "count \(count) element \(i): gate \(gates[i])")
                        continue
                    }
                    // 4 ulp relative, and 1e-30 absolute where e^−g is near overflow (silu ≈ −0).
                    let tolerance = 4 * Float.ulpOfOne * abs(portable[i]) + 1e-30
                    if !(abs(fast[i] - portable[i]) <= tolerance) {
                        XCTFail("count \(count) element \(i): gate \(gates[i]): \(fast[i]) vs \(portable[i])")
                        return
                    }
                }
            }
        }
    }

    func testShapeErrorNamesBothShapes() {
        assertKernelError(try swiglu(gate: Tensor(zeros: [2, 3]), up: Tensor(zeros: [2, 4])),
                          mentions: ["swiglu", "[2, 3]", "[2, 4]"])
    }
}
