/// Constructors for common initial values. Random ones take an explicit generator so that
/// every draw is reproducible from a seed (DESIGN §9).
extension Tensor {
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(zeros: shape)
        t.requiresGrad = requiresGrad
        return t
    }

    public static func full(_ shape: [Int], value: Float, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(repeating: value, count: t.count)
        t.requiresGrad = requiresGrad
        return t
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 1, requiresGrad: requiresGrad)
    }

    /// Normal(mean, std²) entries.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1,
                             generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = mean + std * generator.nextNormal() }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Uniform entries in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = low + (high - low) * generator.nextUniform() }
        t.requiresGrad = requiresGrad
        return t
    }

    /// 0, 1, …, n-1 as floats.
    public static func arange(_ n: Int) -> Tensor {
        let t = Tensor(zeros: [n])
        for i in 0..<n { t.data[i] = Float(i) }
        return t
    }
}
