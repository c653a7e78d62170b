/// The projections of a transformer block that an adapter may wrap.
public enum Projection: String, CaseIterable {
    case q, k, v, o, gate, up, down

    /// Hook-name component: attention projections under `attn.`, MLP ones under `mlp.`.
    public var pathComponent: String {
        switch self {
        case .q, .k, .v, .o: return "attn.\(rawValue)"
        case .gate, .up, .down: return "mlp.\(rawValue)"
        }
    }
}

/// Where a hook sits in the forward pass, with a stable printed name (STYLE §3).
/// The set is the same for every configuration of every supported model.
public enum HookPoint: Hashable, CustomStringConvertible {
    /// `blocks.{i}.input` — the sequence entering block i: `[batch, seq, d_model]`.
    case blockInput(Int)
    /// `blocks.{i}.attn.probs` — attention probabilities: `[batch, q_heads, q_seq, k_seq]`.
    case attentionProbabilities(Int)
    /// `blocks.{i}.attn.q` … `blocks.{i}.mlp.down` — a projection's output: `[batch, seq, out]`.
    case projection(Int, Projection)
    /// `final_norm` — the normalised last hidden state: `[batch, seq, d_model]`.
    case finalNorm
    /// `logits` — `[batch, seq, vocab]`.
    case logits

    public var description: String {
        switch self {
        case let .blockInput(i): return "blocks.\(i).input"
        case let .attentionProbabilities(i): return "blocks.\(i).attn.probs"
        case let .projection(i, p): return "blocks.\(i).\(p.pathComponent)"
        case .finalNorm: return "final_norm"
        case .logits: return "logits"
        }
    }

    /// Every hook point of a model with `layers` blocks, in forward order.
    public static func all(layers: Int) -> [HookPoint] {
        var points: [HookPoint] = []
        for i in 0..<layers {
            points.append(.blockInput(i))
            points += [Projection.q, .k, .v].map { .projection(i, $0) }
            points.append(.attentionProbabilities(i))
            points += [Projection.o, .gate, .up, .down].map { .projection(i, $0) }
        }
        return points + [.finalNorm, .logits]
    }
}

/// The sequence flowing between blocks: hidden states plus what attention needs to treat
/// every position correctly. A block-input hook may change the length (soft prompts inserted
/// at a layer); it must then extend `positions` and `isReal` to match.
public struct SequenceState {
    public var hidden: Tensor        // [batch, seq, d_model]
    public var positions: [[Int]]    // [batch][seq] RoPE positions
    public var isReal: [[Bool]]      // [batch][seq] false for padding (never attended)

    public init(hidden: Tensor, positions: [[Int]], isReal: [[Bool]]) {
        self.hidden = hidden
        self.positions = positions
        self.isReal = isReal
    }

    public var batch: Int { hidden.shape[0] }
    public var length: Int { hidden.shape[1] }
}

/// Callbacks the model makes at its hook points. Every method has a no-op default, so a
/// hook set implements only what it needs. The plugin layer composes a session's methods
/// into one `ForwardHooks`.
public protocol ForwardHooks: AnyObject {
    /// How many slots `blockInput` inserts into a sequence over a whole forward pass (soft
    /// prompts); the generator reserves that many extra KV-cache positions.
    var insertedPositions: Int { get }
    /// `blocks.{layer}.input`: may rewrite the sequence, including its length.
    func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState
    /// `blocks.{layer}.attn.probs`: read, mask or capture (the tensor is in the graph).
    func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor
    /// A projection's output given its input (adapters add `B·A·x` here).
    func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor
    /// Extra key/value vectors prepended in `layer` (prefix tuning): `[batch, m, kv_heads, head_dim]` each.
    func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)?
    /// `final_norm`.
    func finalNorm(_ hidden: Tensor) throws -> Tensor
    /// `logits`.
    func logits(_ logits: Tensor) throws -> Tensor
}

extension ForwardHooks {
    public var insertedPositions: Int { 0 }
    public func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState { state }
    public func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor { probabilities }
    public func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor { output }
    public func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)? { nil }
    public func finalNorm(_ hidden: Tensor) throws -> Tensor { hidden }
    public func logits(_ logits: Tensor) throws -> Tensor { logits }
}
