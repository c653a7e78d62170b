import Compute
import XCTest

/// Products with a single row of output (a decode step's per-head attention) take sgemv instead
/// of sgemm: every layout of the operands must give the plain sum, into uninitialised output.
final class MatmulRowVectorTests: XCTestCase {
    func testOneRowProductsEqualTheSumInEveryLayout() throws {
        var generator = SeededGenerator(seed: 11)
        for (n, k) in [(1, 1), (7, 5), (96, 64), (64, 300)] {
            let a = Tensor.randn([1, k], generator: &generator)
            let b = Tensor.randn([k, n], generator: &generator)
            var expected = [Float](repeating: 0, count: n)
            for j in 0..<n {
                var sum: Double = 0
                for i in 0..<k { sum += Double(a.scalars[i]) * Double(b.scalars[i * n + j]) }
                expected[j] = Float(sum)
            }
            let aT = try a.reshape([k, 1]).contiguous()              // [k, 1] holds aᵀ
            let bT = try transpose2D(b)                               // [n, k] holds bᵀ
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                let product = try matmul(transposeA ? aT : a, transposeB ? bT : b,
                                         transposeA: transposeA, transposeB: transposeB)
                XCTAssertEqual(product.shape, [1, n])
                assertClose(product.scalars, expected, atol: 1e-4, rtol: 1e-4,
                            "n=\(n) k=\(k) transposeA=\(transposeA) transposeB=\(transposeB)")
            }
        }
    }

    func testBatchedRowProductsAndTheirGradients() throws {
        var generator = SeededGenerator(seed: 12)
        // Three one-row products against one shared matrix: the shared operand's gradient sums
        // the three (beta = 1 after the first), the rows' gradients are g · bᵀ, one row each.
        let a = Tensor.randn([3, 1, 6], generator: &generator, requiresGrad: true)
        let b = Tensor.randn([6, 4], generator: &generator, requiresGrad: true)
        let y = try matmul(a, b)
        XCTAssertEqual(y.shape, [3, 1, 4])
        try y.sum().backward()
        let ga = try XCTUnwrap(a.grad).scalars, gb = try XCTUnwrap(b.grad).scalars
        for item in 0..<3 {
            for i in 0..<6 {
                let rowSum = (0..<4).reduce(Float(0)) { $0 + b.scalars[i * 4 + $1] }
                XCTAssertEqual(ga[item * 6 + i], rowSum, accuracy: 1e-5)
            }
        }
        for i in 0..<6 {
            let columnSum = (0..<3).reduce(Float(0)) { $0 + a.scalars[$1 * 6 + i] }
            for j in 0..<4 { XCTAssertEqual(gb[i * 4 + j], columnSum, accuracy: 1e-5) }
        }
    }

    private func transpose2D(_ t: Tensor) throws -> Tensor {
        let (r, c) = (t.shape[0], t.shape[1])
        var out = [Float](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = t.scalars[i * c + j] } }
        return try Tensor(shape: [c, r], scalars: out)
    }
}
