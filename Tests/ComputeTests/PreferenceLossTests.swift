import Compute
import Foundation
import XCTest

/// `dpoLoss`: the DPO objective and its gradient on hand-built sequence log-probabilities.
final class PreferenceLossTests: XCTestCase {
    private let policyChosen: [Float] = [-12.5, -30.0, -7.25, -20.0]
    private let policyRejected: [Float] = [-14.0, -28.5, -9.0, -20.0]
    private let referenceChosen: [Float] = [-13.0, -29.0, -8.0, -21.0]
    private let referenceRejected: [Float] = [-13.5, -29.5, -8.5, -19.0]

    /// The formula of METHODS.md in Double: −(1−ε) log σ(βΔ) − ε log σ(−βΔ), averaged.
    private func expectedLoss(beta: Double, smoothing: Double) -> Double {
        var total = 0.0
        for p in 0..<policyChosen.count {
            let delta = (Double(policyChosen[p]) - Double(referenceChosen[p])) - (Double(policyRejected[p]) - Double(referenceRejected[p]))
            let z = beta * delta
            total += -(1 - smoothing) * log(1 / (1 + exp(-z))) - smoothing * log(1 / (1 + exp(z)))
        }
        return total / Double(policyChosen.count)
    }

    private func loss(beta: Double, smoothing: Double = 0, requiresGrad: Bool = false) throws -> (PreferenceLoss, Tensor, Tensor) {
        let pc = try Tensor(shape: [4], scalars: policyChosen, requiresGrad: requiresGrad)
        let pr = try Tensor(shape: [4], scalars: policyRejected, requiresGrad: requiresGrad)
        let result = try dpoLoss(policyChosen: pc, policyRejected: pr,
                                 referenceChosen: Tensor(shape: [4], scalars: referenceChosen),
                                 referenceRejected: Tensor(shape: [4], scalars: referenceRejected),
                                 beta: beta, labelSmoothing: smoothing)
        return (result, pc, pr)
    }

    func testLossRewardsAndAccuracyFollowTheFormula() throws {
        let (result, _, _) = try loss(beta: 0.1)
        XCTAssertEqual(Double(try result.loss.item()), expectedLoss(beta: 0.1, smoothing: 0), accuracy: 1e-6)
        XCTAssertEqual(result.loss.shape, [])
        // Pair 0: chosen reward 0.1·(−12.5 + 13) = 0.05, rejected 0.1·(−14 + 13.5) = −0.05.
        XCTAssertEqual(result.chosenRewards[0], 0.05, accuracy: 1e-9)
        XCTAssertEqual(result.rejectedRewards[0], -0.05, accuracy: 1e-9)
        // Δ per pair: 1, −2, 1.25, 2, so margins β·Δ = 0.1, −0.2, 0.125, 0.2.
        let margins = result.margins
        for (margin, expected) in zip(margins, [0.1, -0.2, 0.125, 0.2]) { XCTAssertEqual(margin, expected, accuracy: 1e-9) }
        XCTAssertEqual(margins.count, 4)
        XCTAssertEqual(result.accuracy, Double(margins.filter { $0 > 0 }.count) / 4)
        XCTAssertEqual(result.accuracy, 0.75)                        // all but pair 1 prefer the chosen reply
        XCTAssertEqual(result.meanMargin, margins.reduce(0, +) / 4, accuracy: 1e-12)
    }

    func testEqualPolicyAndReferenceGiveLog2() throws {
        let same = try Tensor(shape: [3], scalars: [-4, -9, -1], requiresGrad: true)
        let other = try Tensor(shape: [3], scalars: [-5, -2, -8], requiresGrad: true)
        let result = try dpoLoss(policyChosen: same, policyRejected: other, referenceChosen: same.copy(),
                                 referenceRejected: other.copy(), beta: 0.5)
        XCTAssertEqual(Double(try result.loss.item()), log(2), accuracy: 1e-6)
        XCTAssertEqual(result.accuracy, 0)
        XCTAssertEqual(result.meanMargin, 0)
    }

    func testGradientMatchesFiniteDifferences() throws {
        for smoothing in [0.0, 0.2] {
            let pc = try Tensor(shape: [4], scalars: policyChosen, requiresGrad: true)
            let pr = try Tensor(shape: [4], scalars: policyRejected, requiresGrad: true)
            let rc = try Tensor(shape: [4], scalars: referenceChosen), rr = try Tensor(shape: [4], scalars: referenceRejected)
            try assertGradientsMatch([pc, pr], epsilon: 1e-2, absoluteTolerance: 1e-5, relativeTolerance: 1e-2) { inputs in
                try dpoLoss(policyChosen: inputs[0], policyRejected: inputs[1], referenceChosen: rc, referenceRejected: rr,
                            beta: 0.7, labelSmoothing: smoothing).loss
            }
        }
    }

    func testGradientIsTheClosedForm() throws {
        let beta = 0.3, smoothing = 0.1
        let (result, pc, pr) = try loss(beta: beta, smoothing: smoothing, requiresGrad: true)
        try result.loss.backward()
        let gc = try XCTUnwrap(pc.grad).scalars, gr = try XCTUnwrap(pr.grad).scalars
        for p in 0..<4 {
            let z = result.margins[p]
            let expected = beta * (1 / (1 + exp(-z)) - (1 - smoothing)) / 4       // dL/d log π_θ(y_w|x)
            XCTAssertEqual(Double(gc[p]), expected, accuracy: 1e-6)
            XCTAssertEqual(Double(gr[p]), -expected, accuracy: 1e-6)
        }
    }

    func testLabelSmoothingFollowsConservativeDPO() throws {
        let plain = try loss(beta: 0.1).0, smoothed = try loss(beta: 0.1, smoothing: 0.25).0
        XCTAssertEqual(Double(try smoothed.loss.item()), expectedLoss(beta: 0.1, smoothing: 0.25), accuracy: 1e-6)
        XCTAssertNotEqual(try plain.loss.item(), try smoothed.loss.item())
        XCTAssertEqual(plain.margins, smoothed.margins, "smoothing changes the loss, not the rewards")
    }

    func testLargeMarginsStayFinite() throws {
        let result = try dpoLoss(policyChosen: Tensor(shape: [2], scalars: [0, -5000]), policyRejected: Tensor(shape: [2], scalars: [-5000, 0]),
                                 referenceChosen: Tensor(shape: [2], scalars: [0, 0]), referenceRejected: Tensor(shape: [2], scalars: [0, 0]),
                                 beta: 1)
        XCTAssertEqual(Double(try result.loss.item()), 2500, accuracy: 1e-3)       // (0 + 5000)/2
    }

    func testBadArgumentsAreErrors() throws {
        let a = try Tensor(shape: [2], scalars: [-1, -2]), b = try Tensor(shape: [3], scalars: [-1, -2, -3])
        XCTAssertThrowsError(try dpoLoss(policyChosen: a, policyRejected: b, referenceChosen: a, referenceRejected: a, beta: 0.1)) {
            XCTAssertTrue("\($0)".contains("policyRejected must have the shape of policyChosen"), "\($0)")
        }
        XCTAssertThrowsError(try dpoLoss(policyChosen: a, policyRejected: a, referenceChosen: a, referenceRejected: a, beta: 0)) {
            XCTAssertTrue("\($0)".contains("beta is 0.0"), "\($0)")
        }
        XCTAssertThrowsError(try dpoLoss(policyChosen: a, policyRejected: a, referenceChosen: a, referenceRejected: a, beta: 0.1,
                                         labelSmoothing: 0.5)) {
            XCTAssertTrue("\($0)".contains("must be in [0, 0.5)"), "\($0)")
        }
        let empty = Tensor(zeros: [0])
        XCTAssertThrowsError(try dpoLoss(policyChosen: empty, policyRejected: empty, referenceChosen: empty, referenceRejected: empty, beta: 0.1))
    }
}
