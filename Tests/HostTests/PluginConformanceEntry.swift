import PluginAPI

/// One row of the plugin conformance table (STYLE §5): a plugin, the set-up it needs, and for
/// each of the four checks what the plugin promises — or why the check does not apply. A check
/// that applies always runs; one that does not says why in the table, never silently.
struct ConformanceEntry {
    /// `use NAME`.
    var name: String
    /// Parameters for `tiny` (small and fast).
    var parameters: [(String, ParameterValue)]
    /// Methods used before it, in order (`use prompt` before `use tsloss`): the capabilities it
    /// requires, or the tensors its objective trains when it has none of its own.
    var setUp: [(name: String, parameters: [(String, ParameterValue)])] = []
    /// What the training step optimises.
    var objective: Objective = .crossEntropy
    /// Whether the method's own tensors change the forward pass, and if so whether it promises no
    /// effect until trained.
    var atStart: AtStart
    /// What one training step may change.
    var training: Training
    /// Whether `state()`/`restore(state:)` carries something, and why not when it does not.
    var state: Check
    /// Learning rate of the one training step (large enough to move every tensor).
    var learningRate: Float = 0.05

    /// The objective of the training step.
    enum Objective {
        /// Teacher-forced cross-entropy of one prompt → answer example.
        case crossEntropy
        /// Preference pairs (HH-RLHF), chosen rows then rejected rows, for a loss that needs them.
        case preferencePairs
    }

    enum AtStart {
        /// Its tensors start at a no-op (LoRA's B = 0): the logits equal those without it.
        case promised
        /// Its tensors act from the start: the logits differ from those without it (why).
        case actsFromStart(String)
        /// It has no forward hooks of its own (an objective, an inference-time method): the
        /// logits equal those of its set-up, before and after training (why).
        case neverActsOnTheForwardPass(String)
    }

    enum Training {
        /// It has tensors named `<name>.…`; one step moves some and leaves the backbone alone.
        case ownTensors
        /// It has no tensors (why); one step moves only the set-up's tensors, never the
        /// backbone, and `changesTheStep` says whether its loss changes that step.
        case noTensors(String, changesTheStep: Bool)
    }

    enum Check {
        case applies
        case notApplicable(String)
    }
}
