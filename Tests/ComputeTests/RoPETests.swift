import Compute
import Foundation
import XCTest

final class RoPETests: XCTestCase {
    func testDefaultInverseFrequencies() throws {
        let rope = try RotaryEmbedding(headDim: 8, base: 10_000)
        let expected = (0..<4).map { Float(1 / pow(10_000.0, Double(2 * $0) / 8)) }
        assertClose(rope.inverseFrequencies, expected, atol: 0, rtol: 1e-6)
        let linear = try RotaryEmbedding(headDim: 8, base: 10_000, scaling: .linear(factor: 4))
        assertClose(linear.inverseFrequencies, expected.map { $0 / 4 }, atol: 0, rtol: 1e-6)
    }

    /// Llama 3.1 settings, reference computed here from the published formula in Double.
    func testLlama3InverseFrequenciesMatchFormula() throws {
        let (d, base, factor, low, high, original) = (128, 500_000.0, 8.0, 1.0, 4.0, 8192.0)
        let rope = try RotaryEmbedding(headDim: d, base: Float(base),
                                       scaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4,
                                                        originalContextLength: 8192))
        var regimes = Set<String>()
        var expected: [Float] = []
        for i in 0..<(d / 2) {
            let frequency = 1 / pow(base, Double(2 * i) / Double(d))
            let wavelength = 2 * Double.pi / frequency
            if wavelength < original / high {
                expected.append(Float(frequency))
                regimes.insert("high")
            } else if wavelength > original / low {
                expected.append(Float(frequency / factor))
                regimes.insert("low")
            } else {
                let smooth = (original / wavelength - low) / (high - low)
                expected.append(Float((1 - smooth) * frequency / factor + smooth * frequency))
                regimes.insert("blend")
            }
        }
        XCTAssertEqual(regimes, ["high", "low", "blend"], "the settings should exercise every regime")
        assertClose(rope.inverseFrequencies, expected, atol: 0, rtol: 2e-5)
    }

    /// Rotation by the definition for both pairings, per-row positions included.
    func testRotationMatchesDefinitionForBothPairings() throws {
        let (batch, seq, heads, d) = (2, 3, 2, 6)
        let positions = [[0, 1, 2], [5, 6, 7]]
        let x = constant([batch, seq, heads, d], seed: 1)
        for pairing in [RotaryEmbedding.Pairing.halves, .interleaved] {
            let rope = try RotaryEmbedding(headDim: d, base: 100, pairing: pairing)
            let y = try applyRoPE(x, positions: positions, rope: rope).scalars
            var expected = x.scalars
            for b in 0..<batch {
                for t in 0..<seq {
                    for h in 0..<heads {
                        let start = ((b * seq + t) * heads + h) * d
                        for i in 0..<(d / 2) {
                            let angle = Double(positions[b][t]) / pow(100.0, Double(2 * i) / Double(d))
                            let (first, second) = pairing == .halves ? (start + i, start + i + d / 2)
                                                                     : (start + 2 * i, start + 2 * i + 1)
                            let (u, v) = (Double(x.scalars[first]), Double(x.scalars[second]))
                            expected[first] = Float(u * cos(angle) - v * sin(angle))
                            expected[second] = Float(v * cos(angle) + u * sin(angle))
                        }
                    }
                }
            }
            assertClose(y, expected, atol: 1e-5, "\(pairing)")
        }
    }

    /// ⟨R(m)q, R(n)k⟩ depends only on m − n.
    func testScoresDependOnlyOnRelativePosition() throws {
        let rope = try RotaryEmbedding(headDim: 8, base: 10_000)
        let q = constant([1, 1, 1, 8], seed: 2), k = constant([1, 1, 1, 8], seed: 3)
        func score(_ m: Int, _ n: Int) throws -> Float {
            let a = try applyRoPE(q, positions: [[m]], rope: rope).scalars
            let b = try applyRoPE(k, positions: [[n]], rope: rope).scalars
            return zip(a, b).map(*).reduce(0, +)
        }
        XCTAssertEqual(try score(7, 3), try score(11, 7), accuracy: 1e-4)
        XCTAssertNotEqual(try score(7, 3), try score(3, 7), accuracy: 1e-4)
    }

    func testGradients() throws {
        let x = parameter([2, 3, 2, 4], seed: 4)
        for pairing in [RotaryEmbedding.Pairing.halves, .interleaved] {
            let rope = try RotaryEmbedding(headDim: 4, base: 10, pairing: pairing)
            try assertGradientsMatch([x]) { xs in
                try applyRoPE(xs[0], positions: [[0, 1, 2], [3, 9, 4]], rope: rope)
            }
        }
    }

    func testErrors() throws {
        let rope = try RotaryEmbedding(headDim: 4)
        assertKernelError(try applyRoPE(Tensor(zeros: [1, 2, 1, 4]), positions: [[0]], rope: rope),
                          mentions: ["applyRoPE", "[1, 2, 1, 4]", "[1, 1]"])
        assertKernelError(try applyRoPE(Tensor(zeros: [1, 2, 1, 6]), positions: [[0, 1]], rope: rope),
                          mentions: ["[1, 2, 1, 6]"])
        assertKernelError(try RotaryEmbedding(headDim: 5), mentions: ["headDim 5"])
    }
}
