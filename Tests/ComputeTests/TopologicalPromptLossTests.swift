import XCTest
import Foundation
import Compute

/// `topologicalPromptLoss` against the formulas of METHODS.md "TSLoss", written out naively in Double.
final class TopologicalPromptLossTests: XCTestCase {
    /// The formulas as written: D over all pairs, s_i over j ≠ i, quantile weights over i < j,
    /// repel/attract over the ordered pairs i ≠ j divided by P².
    private func reference(_ x: [[Double]], _ c: TopologicalLossSettings) -> [String: Double] {
        let p = x.count
        func dist(_ i: Int, _ j: Int) -> Double { zip(x[i], x[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
        let s = (0..<p).map { i in -c.tau * log((0..<p).filter { $0 != i }.reduce(0) { $0 + exp(-dist(i, $1) / c.tau) }) }
        let mean = s.reduce(0, +) / Double(p)
        let h0 = s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(p)
        var pairs: [Double] = []
        for i in 0..<p { for j in (i + 1)..<p { pairs.append(dist(i, j)) } }
        let low = pairs.map { exp(-c.alpha * $0) }, high = pairs.map { exp(c.alpha * $0) }
        let delta = zip(low, pairs).reduce(0) { $0 + $1.0 * $1.1 } / low.reduce(0, +)
        let zeta = zip(high, pairs).reduce(0) { $0 + $1.0 * $1.1 } / high.reduce(0, +)
        var repel = 0.0, attract = 0.0
        for i in 0..<p { for j in 0..<p where j != i {
            repel += pow(max(0, delta - dist(i, j)), 2)
            attract += pow(max(0, dist(i, j) - zeta), 2)
        } }
        repel /= Double(p * p)
        attract /= Double(p * p)
        let h1 = c.lambdaRepel * repel + c.lambdaAttract * attract
        return ["h0": h0, "repel": repel, "attract": attract, "h1": h1, "delta": delta, "zeta": zeta,
                "total": c.lambda * (c.betaH0 * h0 + c.betaH1 * h1)]
    }

    private func points(_ p: Int, _ d: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<p).map { _ in (0..<d).map { _ in Double(Float(generator.nextNormal())) } }   // values a Float tensor holds
    }

    private func settings(tau: Double, alpha: Double, lambda: Double = 1, betaH0: Double = 1, betaH1: Double = 1,
                          repel: Double = 1, attract: Double = 1) -> TopologicalLossSettings {
        var c = TopologicalLossSettings()
        (c.tau, c.alpha, c.lambda, c.betaH0, c.betaH1, c.lambdaRepel, c.lambdaAttract) = (tau, alpha, lambda, betaH0, betaH1, repel, attract)
        return c
    }

    private func tensor(_ x: [[Double]]) throws -> Tensor {
        let t = try Tensor(shape: [x.count, x[0].count], scalars: x.flatMap { $0 }.map(Float.init))
        t.requiresGrad = true
        return t
    }

    func testEveryTermEqualsTheFormulas() throws {
        for (seed, c) in [(UInt64(1), settings(tau: 0.5, alpha: 2)), (2, settings(tau: 1, alpha: 0.5, lambda: 2, betaH0: 0.5, betaH1: 3, repel: 2, attract: 0.25)),
                          (3, settings(tau: 0.1, alpha: 5))] {
            let x = points(6, 4, seed: seed)
            let (loss, terms) = try topologicalPromptLoss(try tensor(x), settings: c)
            let expected = reference(x, c)
            for (name, value) in [("h0", terms.h0), ("repel", terms.repel), ("attract", terms.attract), ("h1", terms.h1),
                                  ("delta", terms.delta), ("zeta", terms.zeta), ("total", terms.total)] {
                XCTAssertEqual(value, expected[name]!, accuracy: 1e-5 * max(1, abs(expected[name]!)), "\(name), seed \(seed)")
            }
            XCTAssertGreaterThan(terms.h0, 0)
            XCTAssertGreaterThan(terms.repel, 0)
            XCTAssertGreaterThan(terms.attract, 0)
            XCTAssertLessThan(terms.delta, terms.zeta)
            XCTAssertEqual(Double(try loss.item()), terms.total, accuracy: 1e-5 * max(1, terms.total))
        }
    }

    func testGradientMatchesFiniteDifferencesOfTheFormulas() throws {
        for (seed, c) in [(UInt64(4), settings(tau: 0.5, alpha: 2)), (5, settings(tau: 1, alpha: 1, lambda: 2, betaH0: 0.5, betaH1: 3, repel: 2, attract: 0.25))] {
            let x = points(5, 3, seed: seed)
            let t = try tensor(x)
            let (loss, _) = try topologicalPromptLoss(t, settings: c)
            try (loss * 3).backward()                                   // the upstream gradient scales it
            let grad = try XCTUnwrap(t.grad).scalars
            let h = 1e-5
            for i in 0..<x.count {
                for k in 0..<x[0].count {
                    var plus = x, minus = x
                    plus[i][k] += h
                    minus[i][k] -= h
                    let numeric = 3 * (reference(plus, c)["total"]! - reference(minus, c)["total"]!) / (2 * h)
                    XCTAssertEqual(Double(grad[i * x[0].count + k]), numeric, accuracy: 1e-4 + 1e-3 * abs(numeric), "x[\(i)][\(k)], seed \(seed)")
                }
            }
        }
    }

    func testRegularSimplexHasEqualDensitiesAndNoLoss() throws {
        // The vertices of a regular simplex (scaled unit vectors): every distance is 2√2.
        let x = (0..<5).map { i in (0..<5).map { $0 == i ? 2.0 : 0 } }
        let t = try tensor(x)
        let (loss, terms) = try topologicalPromptLoss(t, settings: settings(tau: 0.3, alpha: 4))
        XCTAssertEqual(terms.h0, 0, accuracy: 1e-12)
        XCTAssertEqual(terms.delta, 8.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(terms.zeta, 8.0.squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(terms.total, 0, accuracy: 1e-12)
        try loss.backward()
        XCTAssertLessThan(try XCTUnwrap(t.grad).scalars.map(abs).max() ?? 1, 1e-6)
        // Moving one vertex breaks the equal densities.
        var moved = x
        moved[0][1] = 1
        XCTAssertGreaterThan(try topologicalPromptLoss(try tensor(moved), settings: settings(tau: 0.3, alpha: 4)).terms.h0, 1e-4)
    }

    func testDegenerateInputs() throws {
        let one = try topologicalPromptLoss(try tensor([[1, 2, 3]]), settings: settings(tau: 1, alpha: 1))
        XCTAssertEqual(one.terms.total, 0)
        let same = try tensor([[1, 2], [1, 2], [3, 4]])
        let (loss, terms) = try topologicalPromptLoss(same, settings: settings(tau: 1, alpha: 1))
        XCTAssertTrue(terms.total.isFinite)
        try loss.backward()
        XCTAssertTrue(try XCTUnwrap(same.grad).scalars.allSatisfy(\.isFinite), "coincident points give no NaN")
        XCTAssertThrowsError(try topologicalPromptLoss(Tensor(zeros: [4]), settings: settings(tau: 1, alpha: 1)))
        XCTAssertThrowsError(try topologicalPromptLoss(Tensor(zeros: [2, 2]), settings: settings(tau: 0, alpha: 1))) {
            XCTAssertTrue("\($0)".contains("τ must be > 0"), "\($0)")
        }
    }
}
