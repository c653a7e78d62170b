import Compute
import XCTest

/// Finite-difference gradient check shared by every op's test.
///
/// The op's output `y = f(inputs)` is reduced to the scalar `L = Σ y ⊙ R` with a fixed random
/// `R`, evaluated in Double so the reduction adds no rounding of its own. The analytic
/// gradient is `backward(seed: R)`; the numeric one is the central difference
/// `(L(x + ε) − L(x − ε)) / 2ε` per element. Inputs must be contiguous leaves; those with
/// `requiresGrad` are checked (at most `maxElements` sampled entries each).
func assertGradientsMatch(
    _ inputs: [Tensor],
    epsilon: Float = 1e-2,
    absoluteTolerance: Double = 2e-3,
    relativeTolerance: Double = 2e-2,
    maxElements: Int = 64,
    seed: UInt64 = 7,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Tensor]) throws -> Tensor
) throws {
    for input in inputs { input.zeroGrad() }
    let output = try f(inputs)
    var generator = SeededGenerator(seed: seed)
    let projection = Tensor.randn(output.shape, generator: &generator)
    try output.backward(seed: projection)

    func objective() throws -> Double {
        let y = try Autograd.noGrad { try f(inputs) }.scalars
        let r = projection.scalars
        var total = 0.0
        for i in 0..<y.count { total += Double(y[i]) * Double(r[i]) }
        return total
    }

    var sampler = SeededGenerator(seed: seed &+ 1)
    for (inputIndex, input) in inputs.enumerated() where input.requiresGrad {
        XCTAssertTrue(input.isContiguous, "input \(inputIndex) must be contiguous", file: file, line: line)
        guard let analytic = input.grad?.scalars else {
            XCTFail("input \(inputIndex) received no gradient", file: file, line: line)
            continue
        }
        let indices: [Int] = input.count <= maxElements
            ? Array(0..<input.count)
            : (0..<maxElements).map { _ in Int(sampler.next() % UInt64(input.count)) }
        for i in indices {
            let saved = input.data[i]
            input.data[i] = saved + epsilon
            let plus = try objective()
            input.data[i] = saved - epsilon
            let minus = try objective()
            input.data[i] = saved
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let got = Double(analytic[i])
            let tolerance = absoluteTolerance + relativeTolerance * max(abs(numeric), abs(got))
            XCTAssertLessThanOrEqual(abs(got - numeric), tolerance,
                                     "input \(inputIndex) element \(i): analytic \(got) vs numeric \(numeric)",
                                     file: file, line: line)
        }
    }
}

/// A leaf tensor with Normal(0, scale²) entries that requires a gradient.
func parameter(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, generator: &generator, requiresGrad: true)
}

/// Asserts two float arrays agree elementwise within `atol + rtol·|expected|`.
func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count differs \(message)", file: file, line: line)
    for i in 0..<min(actual.count, expected.count) {
        let tolerance = atol + rtol * abs(expected[i])
        if abs(actual[i] - expected[i]) > tolerance || actual[i].isNaN != expected[i].isNaN {
            XCTFail("element \(i): \(actual[i]) vs expected \(expected[i]) \(message)", file: file, line: line)
            return
        }
    }
}
