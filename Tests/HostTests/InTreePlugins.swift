import XCTest
import Compute
import PluginAPI
import Host

/// The repository's plugins, built once per test process into a fresh cache (so the build
/// really runs) and shared by the plugin test classes.
enum InTreePlugins {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    private static var cachedRegistry: Result<PluginRegistry, Error>?
    private static var registrations: [String: PluginRegistration] = [:]

    /// The registry over `Plugins/`, for sessions that should reuse the same builds.
    static func registry() throws -> PluginRegistry {
        if cachedRegistry == nil {
            cachedRegistry = Result {
                let cache = NSTemporaryDirectory() + "strata-plugin-tests-\(ProcessInfo.processInfo.processIdentifier)"
                let builder = PluginBuilder(toolchain: try PluginToolchain.current(), cacheDirectory: cache)
                return PluginRegistry(searchFolders: [repository + "/Plugins"], builder: builder)
            }
        }
        return try cachedRegistry!.get()
    }

    static func registration(_ name: String) throws -> PluginRegistration {
        if let known = registrations[name] { return known }
        let registration = try registry().registration(named: name)
        registrations[name] = registration
        return registration
    }

    /// Creates `name` with `parameters`, attaches it to `model` and returns it with a set holding it.
    static func method(_ name: String, _ parameters: [(String, ParameterValue)], model: LanguageModel,
                       seed: UInt64 = 7) throws -> (method: Method, set: MethodSet) {
        let context = MethodContext(model: model, seed: seed)
        let method = try registration(name).makeMethod(parameters.map { (name: $0.0, value: $0.1) }, context: context)
        let set = MethodSet()
        try set.add(method, context: context)
        return (method, set)
    }

    /// Last-position logits of `ids` under `hooks`, without gradients.
    static func logits(_ model: LanguageModel, _ ids: [Int], hooks: ForwardHooks?) throws -> [Float] {
        try Autograd.noGrad { try model.model.forward([ids], hooks: hooks, logits: .last).scalars }
    }

    /// One AdamW step on the teacher-forced cross-entropy of `prompt` → `answer`.
    static func trainOneStep(_ set: MethodSet, model: LanguageModel, learningRate: Float = 0.05,
                             prompt: String = "2+2=", answer: String = "4.") throws {
        let example = Example(prompt: prompt, answer: answer, model: model)
        let ids = example.ids
        let targets = ids.indices.map { t in
            t + 1 < ids.count && t + 1 >= example.promptIDs.count ? ids[t + 1] : -100
        }
        let optimizer = try AdamW(parameters: set.trainableParameters, learningRate: learningRate, weightDecay: 0)
        let logits = try model.model.forward([ids], hooks: set)
        let context = LossContext(model: model, inputIDs: [ids], logits: logits, targets: [targets],
                                  methods: set.methods, forward: { _, _ in logits })
        try set.loss(context).total.backward()
        try optimizer.step()
        optimizer.zeroGrad()
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }
}
