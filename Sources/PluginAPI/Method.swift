import Compute

/// A tuning method: a class that a plugin registers and the host creates from parsed
/// parameters (`use prompt m=20`). It changes the model only through hooks; every hook has a
/// no-op default, so a method implements only what it needs.
///
/// Lifecycle: factory → `attach(to:)` (calibrate with the model and the session's data) →
/// forward hooks and `loss` during train/eval/generate → `detach()` on `unuse`.
///
/// The forward hooks are those of `ForwardHooks` (Sources/Compute/Model/ForwardHooks.swift),
/// with their stable names and shapes:
/// - `blocks.{i}.input` `blockInput(_:_:)` — `[batch, seq, d_model]`; may change `seq`. Slots a
///   method inserts go *before* the tokens (see `SequenceState.prependingSlots`); `final_norm`
///   and `logits` then see the input's positions only (`MethodSet` drops inserted slots).
/// - `blocks.{i}.attn.probs` `attentionProbabilities(_:_:)` — `[batch, q_heads, q_seq, k_seq]`.
/// - `blocks.{i}.attn.q` … `blocks.{i}.mlp.down` `projection(_:_:input:output:)` — `[batch, seq, out]`.
/// - `prefixKeyValues(_:batch:)` — `[batch, m, kv_heads, head_dim]` each.
/// - `final_norm` `finalNorm(_:)` — `[batch, seq, d_model]`; `logits` `logits(_:)` — `[batch, seq, vocab]`.
public protocol Method: ForwardHooks {
    /// The registered name (`prompt`): the prefix of its tensors (`prompt.embedding`).
    var name: String { get }
    /// Capabilities that a method used earlier must provide (`[.softPrompts]` for TSLoss).
    var requires: [Capability] { get }
    /// Capabilities this method provides; by default, derived from the protocols it adopts.
    var provides: [Capability] { get }
    /// Whether `loss` adds a term to the objective or replaces it.
    var lossRole: LossRole { get }
    /// Whether `loss` needs preference pairs (DPO): `train` then batches each example's chosen
    /// and rejected replies together (see `LossContext.preferencePairs`) and refuses other data.
    var needsPreferencePairs: Bool { get }
    /// Whether `loss` reads `LossContext.logits` (or the batch through `LossContext.forward`)
    /// at positions without a target — the prompt. Training otherwise runs the LM head only at
    /// the scored positions and leaves the other rows NaN (see `LossContext.logits`).
    var needsLogitsAtEveryPosition: Bool { get }

    /// Called once after `use`, before any forward pass: calibrate, allocate parameters.
    func attach(to context: MethodContext) throws
    /// The tensors `train` updates, each named `<method>.<name>` (STYLE §4).
    var trainableParameters: [Tensor] { get }
    /// Multiplies the training learning rate for this method's parameters (1 by default).
    var learningRateScale: Double { get }

    /// A loss term (`lossRole == .adds`) or the whole objective (`.replaces`); nil adds nothing.
    func loss(_ context: LossContext) throws -> LossContribution?
    /// After a generation: inspect it, change state, revise items in place (`outputs`, `texts`,
    /// `notes`), or ask for a re-run of the whole batch.
    func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision
    /// Lines for `show`: (label, value).
    func report() -> [(String, String)]
    /// Everything a checkpoint needs: tensors by full name and a JSON-able config.
    func state() throws -> MethodState
    /// Restores what `state()` saved.
    func restore(state: MethodState) throws
    /// Called on `unuse`: release what `attach` set up. The model is never modified by a
    /// method, so there is usually nothing to undo.
    func detach()
}

/// How a method's `loss` combines with the objective.
public enum LossRole: String, Equatable {
    /// `loss` is not used.
    case none
    /// `loss` returns a term added to the objective (TSLoss).
    case adds
    /// `loss` returns the whole objective instead of the base cross-entropy (DPO).
    case replaces
}

extension Method {
    public var requires: [Capability] { [] }
    public var provides: [Capability] { Capability.adopted(by: self) }
    public var lossRole: LossRole { .none }
    public var needsPreferencePairs: Bool { false }
    public var needsLogitsAtEveryPosition: Bool { false }
    public func attach(to context: MethodContext) throws {}
    public var trainableParameters: [Tensor] { [] }
    public var learningRateScale: Double { 1 }
    public func loss(_ context: LossContext) throws -> LossContribution? { nil }
    public func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision { .accept }
    public func report() -> [(String, String)] { [] }
    public func detach() {}

    /// Copies of the trainable parameters by name; no config.
    public func state() throws -> MethodState {
        var tensors: [String: Tensor] = [:]
        for parameter in trainableParameters {
            tensors[parameter.name ?? name] = parameter.copy()
        }
        return MethodState(tensors: tensors)
    }

    /// Copies saved values into the trainable parameters of the same name and shape. Nothing
    /// changes when one is missing or of another shape.
    public func restore(state: MethodState) throws {
        try state.copyValues(into: trainableParameters, method: name)
    }
}

/// What a checkpoint stores for one method.
public struct MethodState {
    /// Tensors by full name (`prompt.embedding`).
    public var tensors: [String: Tensor]
    /// Method configuration that is not a tensor (a calibrated partition, counters…).
    public var config: JSONValue

    public init(tensors: [String: Tensor] = [:], config: JSONValue = .object([:])) {
        self.tensors = tensors
        self.config = config
    }

    /// Copies each saved tensor into the parameter of the same name, checking every name and
    /// shape first so that a failed restore changes nothing.
    public func copyValues(into parameters: [Tensor], method: String) throws {
        var pairs: [(saved: Tensor, parameter: Tensor)] = []
        for parameter in parameters {
            let key = parameter.name ?? method
            guard let saved = tensors[key] else {
                throw MethodError.restore(method: method, reason: "the saved state has no tensor \"\(key)\" (it has \(tensors.keys.sorted().joined(separator: ", ")))")
            }
            guard saved.shape == parameter.shape else {
                throw MethodError.restore(method: method, reason: "\"\(key)\" was saved with shape \(Tensor.describe(saved.shape)) but the parameter is \(Tensor.describe(parameter.shape)); use the method with the parameters it was saved with")
            }
            pairs.append((saved, parameter))
        }
        for (saved, parameter) in pairs where parameter.count > 0 {
            let values = saved.contiguous()
            parameter.data.update(from: values.data, count: parameter.count)
        }
    }
}

/// After a generation, what a method wants next.
public enum GenerationDecision: Equatable {
    case accept
    /// Generate again (the method has changed its state); the host bounds the number of runs.
    case rerun(reason: String)
}

/// A finished generation, as methods see it in `afterGeneration`.
///
/// A method may revise single items in place: regenerate one prompt with changed state
/// (`regenerate`), then replace `outputs[i]` and `texts[i]` and say why in `notes[i]` under its
/// name. Evaluation records carry the notes of each item.
public struct GenerationRecord {
    public var prompts: [[Int]]                // token ids of each prompt
    public var outputs: [GeneratedSequence]    // one per prompt
    public var texts: [String]                 // decoded outputs
    /// 1 for the first run, 2 after one re-run…
    public var attempt: Int
    /// Per item, what each method decided, keyed by method name (DPC: `{"R": 0.4, "triggered": true}`).
    public var notes: [[String: JSONValue]]
    /// The active methods, in `use` order (this one included).
    public var methods: [Method]
    /// Generates from `prompts` again with the active methods in their current state and the
    /// same options; returns one sequence per prompt.
    public let regenerate: (_ prompts: [[Int]]) throws -> [GeneratedSequence]
    /// Runs the model with the active methods on `ids` (no padding: one length), in the
    /// autograd graph; returns logits `[batch, seq, vocab]`.
    public let forward: (_ ids: [[Int]]) throws -> Tensor
    /// Decodes generated ids to text as the host does.
    public let decode: (_ ids: [Int]) -> String

    public init(prompts: [[Int]], outputs: [GeneratedSequence], texts: [String], attempt: Int,
                methods: [Method] = [],
                regenerate: @escaping (_ prompts: [[Int]]) throws -> [GeneratedSequence] = { _ in [] },
                forward: @escaping (_ ids: [[Int]]) throws -> Tensor = { _ in Tensor(zeros: [0]) },
                decode: @escaping (_ ids: [Int]) -> String = { _ in "" }) {
        self.prompts = prompts
        self.outputs = outputs
        self.texts = texts
        self.attempt = attempt
        self.notes = Array(repeating: [:], count: prompts.count)
        self.methods = methods
        self.regenerate = regenerate
        self.forward = forward
        self.decode = decode
    }
}
