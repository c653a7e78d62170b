import Compute

/// Something a method offers to the methods used after it. A method declares what it needs
/// in `requires`; `MethodSet` refuses the method at `use` time when no earlier method
/// provides it.
public struct Capability: Hashable, CustomStringConvertible {
    /// Stable identifier (`soft-prompts`).
    public let identifier: String
    /// What provides it, for error messages ("a soft-prompt method such as `use prompt`").
    public let providedBy: String

    public init(_ identifier: String, providedBy: String) {
        self.identifier = identifier
        self.providedBy = providedBy
    }

    public var description: String { identifier }

    /// Trainable prompt matrices (`SoftPromptProvider`): PromptTuning, DHAM.
    public static let softPrompts = Capability("soft-prompts", providedBy: "a soft-prompt method such as `use prompt` or `use dham`")

    /// The capabilities `method` provides through the protocols it adopts.
    public static func adopted(by method: Method) -> [Capability] {
        method is SoftPromptProvider ? [.softPrompts] : []
    }
}

/// A trainable prompt matrix and where it enters the model.
public struct SoftPrompt {
    /// The tensor's full name (`prompt.embedding`).
    public var name: String
    /// The prompt vectors, a trainable leaf: `[m, d_model]`.
    public var matrix: Tensor
    /// Inserted at `blocks.{layer}.input` (0: before the first block).
    public var layer: Int

    public init(name: String, matrix: Tensor, layer: Int) {
        self.name = name
        self.matrix = matrix
        self.layer = layer
    }

    /// Number of prompt vectors m.
    public var length: Int { matrix.shape.first ?? 0 }
}

/// A method whose effect is soft prompts. Positions convention: the m prompt slots are
/// inserted before the tokens of each row and take RoPE positions 0…m−1; the tokens'
/// positions shift by m (`SequenceState.prependingSlots`). TSLoss regularises these
/// matrices; DPC corrupts them in place.
public protocol SoftPromptProvider: Method {
    var softPrompts: [SoftPrompt] { get }
}

/// A method whose loss is a DPO-style preference objective with KL strength β. `prefeval`
/// scores held-out pairs with the active one's β, so that its rewards and loss are those the
/// method trained on, unless the command is given its own `beta=`.
public protocol PreferenceObjective: Method {
    var beta: Double { get }
}
