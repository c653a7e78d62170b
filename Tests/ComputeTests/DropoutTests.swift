import Compute
import XCTest

final class DropoutTests: XCTestCase {
    func testMaskIsSeededAndScaled() throws {
        let x = Tensor.ones([1000])
        var first = SeededGenerator(seed: 1), second = SeededGenerator(seed: 1)
        let a = try dropout(x, probability: 0.25, generator: &first).scalars
        let b = try dropout(x, probability: 0.25, generator: &second).scalars
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        let dropped = a.filter { $0 == 0 }.count
        XCTAssertTrue((200...300).contains(dropped), "dropped \(dropped) of 1000 at p = 0.25")
    }

    func testGradientUsesTheSameMask() throws {
        let x = parameter([4, 5], seed: 2)
        var generator = SeededGenerator(seed: 3)
        let y = try dropout(x, probability: 0.5, generator: &generator)
        try y.backward(seed: Tensor.ones([4, 5]))
        let kept = zip(y.scalars, x.scalars).map { out, input in out == 0 ? Float(0) : out / input }
        assertClose(try XCTUnwrap(x.grad).scalars, kept, atol: 1e-5)
        // Finite differences: a fresh generator per evaluation replays the same mask.
        try assertGradientsMatch([x]) { xs in
            var replay = SeededGenerator(seed: 3)
            return try dropout(xs[0], probability: 0.5, generator: &replay)
        }
    }

    func testEvaluationAndZeroProbabilityAreIdentity() throws {
        let x = constant([3], seed: 4)
        var generator = SeededGenerator(seed: 5)
        XCTAssertEqual(try dropout(x, probability: 0.5, generator: &generator, training: false).scalars, x.scalars)
        XCTAssertEqual(try dropout(x, probability: 0, generator: &generator).scalars, x.scalars)
    }

    func testProbabilityOutOfRangeIsAnError() {
        var generator = SeededGenerator(seed: 6)
        assertKernelError(try dropout(Tensor(zeros: [2]), probability: 1, generator: &generator), mentions: ["probability 1"])
        assertKernelError(try dropout(Tensor(zeros: [2]), probability: -0.1, generator: &generator), mentions: ["-0.1"])
    }
}
