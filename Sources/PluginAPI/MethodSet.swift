import Compute

/// The session's active methods in `use` order, composed into one `ForwardHooks` for the
/// model and into one objective.
///
/// Each hook calls every method's hook in order, the output of one feeding the next. Slots
/// that methods insert in front of the tokens (soft prompts) are dropped before `final_norm`,
/// so `final_norm`, `logits` and the loss always see the input's positions.
public final class MethodSet: ForwardHooks {
    public private(set) var methods: [Method] = []
    /// Sequence length entering block 0 in the current forward pass.
    private var inputLength = 0

    public init() {}

    public var names: [String] { methods.map(\.name) }

    public func method(named name: String) -> Method? {
        methods.first { $0.name == name }
    }

    /// Checks that `method` can join the set: not already active, its required capabilities
    /// provided by earlier methods, at most one method replacing the loss.
    public func checkCanAdd(_ method: Method) throws {
        if self.method(named: method.name) != nil { throw MethodError.alreadyActive(method.name) }
        let provided = Set(methods.flatMap(\.provides))
        for capability in method.requires where !provided.contains(capability) {
            throw MethodError.missingCapability(method: method.name, capability: capability)
        }
        if method.lossRole == .replaces, let other = methods.first(where: { $0.lossRole == .replaces }) {
            throw MethodError.lossConflict(method: method.name, active: other.name)
        }
    }

    /// `use`: checks, attaches (with `context`) and appends `method`. Nothing changes when a
    /// check or `attach` fails.
    public func add(_ method: Method, context: MethodContext?) throws {
        try checkCanAdd(method)
        if let context { try method.attach(to: context) }
        methods.append(method)
    }

    /// `unuse`: detaches and removes the method, refusing when a later method needs a
    /// capability that only it provides.
    @discardableResult
    public func remove(named name: String) throws -> Method {
        guard let index = methods.firstIndex(where: { $0.name == name }) else {
            throw MethodError.notActive(name, active: names)
        }
        let method = methods[index]
        var remaining = methods
        remaining.remove(at: index)
        for (position, user) in remaining.enumerated() {
            let before = Set(remaining[..<position].flatMap(\.provides))
            if let capability = user.requires.first(where: { !before.contains($0) }) {
                throw MethodError.stillRequired(method: name, by: user.name, capability: capability)
            }
        }
        method.detach()
        methods = remaining
        return method
    }

    /// Whether an active method's loss needs preference pairs (`Method.needsPreferencePairs`).
    public var needsPreferencePairs: Bool { methods.contains { $0.needsPreferencePairs } }
    /// Whether an active method reads logits where nothing is scored (`Method.needsLogitsAtEveryPosition`).
    public var needsLogitsAtEveryPosition: Bool { methods.contains { $0.needsLogitsAtEveryPosition } }

    /// Every method's trainable tensors, in `use` order.
    public var trainableParameters: [Tensor] { methods.flatMap(\.trainableParameters) }

    // MARK: - Forward hooks

    public var insertedPositions: Int { methods.reduce(0) { $0 + $1.insertedPositions } }

    public func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
        if layer == 0 { inputLength = state.length }
        var state = state
        for method in methods { state = try method.blockInput(layer, state) }
        return state
    }

    public func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor {
        var p = probabilities
        for method in methods { p = try method.attentionProbabilities(layer, p) }
        return p
    }

    public func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        var out = output
        for method in methods { out = try method.projection(layer, kind, input: input, output: out) }
        return out
    }

    /// The prefixes of every method, concatenated along the slot axis in `use` order.
    public func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)? {
        let prefixes = try methods.compactMap { try $0.prefixKeyValues(layer, batch: batch) }
        guard prefixes.count > 1 else { return prefixes.first }
        return (try Tensor.concat(prefixes.map(\.key), axis: 1), try Tensor.concat(prefixes.map(\.value), axis: 1))
    }

    public func finalNorm(_ hidden: Tensor) throws -> Tensor {
        // With `LogitSelection.all` the hidden states cover inserted slots too; keep the last
        // `inputLength` positions (the tokens). With `.last` there is one position: nothing to drop.
        var h = hidden
        if h.rank == 3, h.shape[1] > inputLength, inputLength > 0 {
            h = try h.slice(axis: 1, range: (h.shape[1] - inputLength)..<h.shape[1])
        }
        for method in methods { h = try method.finalNorm(h) }
        return h
    }

    public func logits(_ logits: Tensor) throws -> Tensor {
        var l = logits
        for method in methods { l = try method.logits(l) }
        return l
    }

    // MARK: - Loss and generation

    /// The objective: the single replacing method's loss, or the base cross-entropy; then
    /// every adding method's term, in `use` order. `terms` lists each part for logging.
    public func loss(_ context: LossContext) throws -> (total: Tensor, terms: [(String, Double)]) {
        var terms: [(String, Double)] = []
        var total: Tensor
        if let replacer = methods.first(where: { $0.lossRole == .replaces }) {
            guard let contribution = try replacer.loss(context) else {
                throw MethodError.invalidLoss(method: replacer.name, reason: "it replaces the loss but returned none")
            }
            try Self.checkScalar(contribution.loss, method: replacer.name)
            total = contribution.loss
            terms.append(("\(replacer.name).loss", Double(try total.item())))
            terms += contribution.metrics
        } else {
            total = try context.crossEntropyLoss()
            terms.append(("loss.ce", Double(try total.item())))
        }
        for method in methods where method.lossRole == .adds {
            guard let contribution = try method.loss(context) else { continue }
            try Self.checkScalar(contribution.loss, method: method.name)
            total = try total + contribution.loss
            terms.append(("\(method.name).loss", Double(try contribution.loss.item())))
            terms += contribution.metrics
        }
        return (total, terms)
    }

    /// Asks every method about a finished generation, in `use` order, each seeing the items as
    /// the methods before it left them; the first re-run request wins.
    public func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision {
        var decision = GenerationDecision.accept
        for method in methods {
            let answer = try method.afterGeneration(&generation)
            if case .accept = decision, case .rerun = answer { decision = answer }
        }
        return decision
    }

    private static func checkScalar(_ loss: Tensor, method: String) throws {
        guard loss.count == 1 else {
            throw MethodError.invalidLoss(method: method, reason: "its loss must be a scalar, got shape \(Tensor.describe(loss.shape))")
        }
    }
}
