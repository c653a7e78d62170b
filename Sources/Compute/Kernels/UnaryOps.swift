import Foundation

/// Elementwise functions of one tensor. Each saves what its derivative needs: the input
/// (`log`, `abs`, `relu`, …) or the output (`exp`, `sigmoid`, `tanh`, …), never both.
extension Tensor {
    /// `-x`.
    public func negated() -> Tensor {
        let out = ElementwiseKernel.unrecordedScalarOp(.multiply, self, -1, scalarOnLeft: false)
        return out.recorded(op: "negated", inputs: [self]) { g in [g.negated()] }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        x.negated()
    }

    /// `eˣ`.
    public func exp() -> Tensor {
        let out = ElementwiseKernel.map(self) { fastExp($0) }
        let saved = out.detached()
        return out.recorded(op: "exp", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, saved) { $0 * $1 }]
        }
    }

    /// Natural logarithm (NaN below 0, -inf at 0).
    public func log() -> Tensor {
        let out = ElementwiseKernel.map(self) { logScalar($0) }
        return out.recorded(op: "log", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { $0 / $1 }]
        }
    }

    /// `√x`.
    public func sqrt() -> Tensor {
        let out = ElementwiseKernel.map(self) { $0.squareRoot() }
        let saved = out.detached()
        return out.recorded(op: "sqrt", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, saved) { 0.5 * $0 / $1 }]
        }
    }

    /// `1/√x`.
    public func rsqrt() -> Tensor {
        let out = ElementwiseKernel.map(self) { 1 / $0.squareRoot() }
        let saved = out.detached()
        return out.recorded(op: "rsqrt", inputs: [self]) { g in
            // d/dx x^(-1/2) = -½ y³
            [ElementwiseKernel.zip(g, saved) { -0.5 * $0 * $1 * $1 * $1 }]
        }
    }

    /// `x²`.
    public func square() -> Tensor {
        let out = ElementwiseKernel.map(self) { $0 * $0 }
        return out.recorded(op: "square", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { 2 * $0 * $1 }]
        }
    }

    /// `|x|`; the gradient at 0 is 0.
    public func abs() -> Tensor {
        let out = ElementwiseKernel.map(self) { $0.magnitude }
        return out.recorded(op: "abs", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }]
        }
    }

    /// `max(x, 0)`; the gradient at 0 is 0.
    public func relu() -> Tensor {
        let out = ElementwiseKernel.map(self) { Swift.max($0, 0) }
        return out.recorded(op: "relu", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { $1 > 0 ? $0 : 0 }]
        }
    }

    /// `1 / (1 + e⁻ˣ)`.
    public func sigmoid() -> Tensor {
        let out = ElementwiseKernel.map(self) { sigmoidScalar($0) }
        let saved = out.detached()
        return out.recorded(op: "sigmoid", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, saved) { $0 * $1 * (1 - $1) }]
        }
    }

    /// `x · σ(x)` (SiLU, the gate of SwiGLU).
    public func silu() -> Tensor {
        let out = ElementwiseKernel.map(self) { $0 * sigmoidScalar($0) }
        return out.recorded(op: "silu", inputs: [self]) { g in
            // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
            [ElementwiseKernel.zip(g, self) { gi, x in
                let s = sigmoidScalar(x)
                return gi * s * (1 + x * (1 - s))
            }]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let out = ElementwiseKernel.map(self) { tanhScalar($0) }
        let saved = out.detached()
        return out.recorded(op: "tanh", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, saved) { $0 * (1 - $1 * $1) }]
        }
    }

    /// `xᵉ` for a constant exponent (NaN for negative `x` and a non-integer exponent).
    public func pow(_ exponent: Float) -> Tensor {
        let out = ElementwiseKernel.map(self) { powScalar($0, exponent) }
        return out.recorded(op: "pow", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { $0 * exponent * powScalar($1, exponent - 1) }]
        }
    }

    /// `min(max(x, min), max)`: when `min > max` every element becomes `max`. The gradient
    /// passes where `min ≤ x ≤ max` and is 0 elsewhere.
    public func clamped(min lower: Float, max upper: Float) -> Tensor {
        let out = ElementwiseKernel.map(self) { Swift.min(Swift.max($0, lower), upper) }
        return out.recorded(op: "clamped", inputs: [self]) { g in
            [ElementwiseKernel.zip(g, self) { $1 >= lower && $1 <= upper ? $0 : 0 }]
        }
    }
}

// Scalar math at file scope: inside the extension, `exp`/`log`/`tanh`/`pow` name the methods.
@inline(__always) private func logScalar(_ x: Float) -> Float { Foundation.log(x) }
@inline(__always) private func tanhScalar(_ x: Float) -> Float { Foundation.tanh(x) }
@inline(__always) private func powScalar(_ x: Float, _ e: Float) -> Float { Foundation.pow(x, e) }

/// σ(x), written so that e^(-x) never overflows for large negative x.
@inline(__always) private func sigmoidScalar(_ x: Float) -> Float {
    let e = fastExp(-x.magnitude)
    let positive = 1 / (1 + e)
    return x >= 0 ? positive : e * positive
}

/// eˣ to about 2 ulp, branch-free so that loops over it vectorise (a libm call per element
/// cannot). Results below the smallest normal Float flush to 0; NaN stays NaN.
@inline(__always) func fastExp(_ x: Float) -> Float {
    // eˣ = 2ᵏ·eʳ with k = round(x / ln 2), |r| ≤ ln 2 / 2; the Cephes expf polynomial for eʳ.
    let clamped = Swift.min(Swift.max(x, -87.33654), 88.72283)
    let shifted = clamped * 1.44269504088896341 + 12582912.0 // adding 1.5·2²³ rounds to an integer
    let k = shifted - 12582912.0
    let n = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    var r = clamped - k * 0.693359375
    r = r - k * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * r * r + r + 1
    // 2ᵏ as two factors so that k = 128 (x near 88.7) stays inside the exponent field.
    let half = n >> 1
    let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (n &- half &+ 127) &<< 23))
    var y = er * s1 * s2
    y = x < -87.33654 ? 0 : y
    y = x > 88.72283 ? .infinity : y
    return x.isNaN ? x : y
}
