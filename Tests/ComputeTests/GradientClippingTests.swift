import Compute
import XCTest

/// Global-norm clipping: the pre-clip norm is returned, gradients scaled together.
final class GradientClippingTests: XCTestCase {
    /// Two parameters with gradients [3, 4] and [12]: global norm 13.
    private func pair() throws -> [Tensor] {
        let a = Tensor.zeros([2], requiresGrad: true)
        let b = Tensor.zeros([1], requiresGrad: true)
        a.grad = try Tensor(shape: [2], scalars: [3, 4])
        b.grad = try Tensor(shape: [1], scalars: [12])
        return [a, b]
    }

    private func globalNorm(_ parameters: [Tensor]) -> Double {
        parameters.compactMap { $0.grad?.scalars }.joined().reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    func testReturnsThePreClipNormAndScalesToMaxNorm() throws {
        let parameters = try pair()
        let norm = try clipGradientNorm(parameters, maxNorm: 1)
        XCTAssertEqual(norm, 13, accuracy: 1e-6)
        XCTAssertEqual(globalNorm(parameters), 1, accuracy: 1e-6)
        // Every gradient is scaled by the same factor, 1/13.
        assertClose(parameters[0].grad!.scalars, [3.0 / 13, 4.0 / 13], atol: 1e-6, rtol: 0)
        assertClose(parameters[1].grad!.scalars, [12.0 / 13], atol: 1e-6, rtol: 0)
    }

    func testNoScalingAtOrBelowMaxNorm() throws {
        let parameters = try pair()
        XCTAssertEqual(try clipGradientNorm(parameters, maxNorm: 20), 13, accuracy: 1e-6)
        XCTAssertEqual(parameters[0].grad?.scalars, [3, 4])
        XCTAssertEqual(parameters[1].grad?.scalars, [12])
    }

    func testNonFiniteNormIsReturnedAndNothingIsScaled() throws {
        let parameters = try pair()
        parameters[0].grad = try Tensor(shape: [2], scalars: [.nan, 4])
        XCTAssertTrue(try clipGradientNorm(parameters, maxNorm: 1).isNaN)
        XCTAssertEqual(parameters[1].grad?.scalars, [12])

        parameters[0].grad = try Tensor(shape: [2], scalars: [.infinity, 4])
        XCTAssertEqual(try clipGradientNorm(parameters, maxNorm: 1), .infinity)
        XCTAssertEqual(parameters[1].grad?.scalars, [12])
    }

    func testParametersWithoutGradientAreSkipped() throws {
        let parameters = try pair() + [Tensor.zeros([5], requiresGrad: true)]
        XCTAssertEqual(try clipGradientNorm(parameters, maxNorm: 100), 13, accuracy: 1e-6)
        XCTAssertNil(parameters[2].grad)
        XCTAssertEqual(try clipGradientNorm([Tensor.zeros([3], requiresGrad: true)], maxNorm: 1), 0)
    }

    func testNonContiguousGradientIsReplacedNotWrittenThrough() throws {
        let parameter = Tensor.zeros([2, 2], requiresGrad: true)
        let source = try Tensor(shape: [2, 2], scalars: [0, 3, 4, 0])
        // The transpose of `source`, sharing its storage.
        parameter.grad = Tensor(shape: [2, 2], strides: [1, 2], offset: 0, storage: source.storage)
        XCTAssertEqual(try clipGradientNorm([parameter], maxNorm: 2.5), 5, accuracy: 1e-6)
        XCTAssertEqual(source.scalars, [0, 3, 4, 0], "the shared storage must not be scaled")
        XCTAssertTrue(parameter.grad!.isContiguous)
        assertClose(parameter.grad!.scalars, [0, 2, 1.5, 0], atol: 1e-6, rtol: 0)
    }

    func testLargeGradientNormIsExactAndIndependentOfThreads() throws {
        let count = 300_001
        var generator = SeededGenerator(seed: 5)
        let gradient = Tensor.randn([count], generator: &generator)
        let previousThreads = Threads.count
        defer { try? Threads.set(previousThreads) }

        var norms: [Float] = []
        for threads in [1, 4] {
            try Threads.set(threads)
            let parameter = Tensor.zeros([count], requiresGrad: true)
            parameter.grad = gradient.copy()
            norms.append(try clipGradientNorm([parameter], maxNorm: 1))
            XCTAssertEqual(globalNorm([parameter]), 1, accuracy: 1e-5)
        }
        XCTAssertEqual(norms[0], norms[1])
        let reference = gradient.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(Double(norms[0]), reference, accuracy: reference * 1e-6)
    }

    func testInvalidMaxNormOrGradientShapeThrows() throws {
        let parameters = try pair()
        for bad: Float in [0, -1, .nan, .infinity] {
            XCTAssertThrowsError(try clipGradientNorm(parameters, maxNorm: bad)) { error in
                XCTAssertTrue(String(describing: error).contains("maxNorm"), "\(error)")
            }
        }
        parameters[1].name = "dpc.gate"
        parameters[1].grad = Tensor.zeros([4])
        XCTAssertThrowsError(try clipGradientNorm(parameters, maxNorm: 1)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("dpc.gate") && text.contains("[1]") && text.contains("[4]"), text)
        }
    }
}
