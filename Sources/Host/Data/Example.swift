/// One item of a dataset, as the adapters read it from its file.
///
/// `prompt` is what the model is given and `target` what it should produce (the worked
/// solution ending in the answer). `answer` is the gold final answer that evaluation compares
/// against (a GSM8K number, an AQuA letter, a MATH expression). Preference datasets also carry
/// `rejected`, the dispreferred reply to the same prompt (`target` is the preferred one).
public struct Example: Equatable {
    /// Stable identifier: `<dataset>/<split>/<record index>`, or the dataset's own id.
    public var id: String
    public var prompt: String
    public var target: String
    public var answer: String?
    public var rejected: String?
    /// Extra fields kept for reports (e.g. MATH `subject` and `level`).
    public var metadata: [String: String]

    public init(id: String, prompt: String, target: String, answer: String? = nil,
                rejected: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.prompt = prompt
        self.target = target
        self.answer = answer
        self.rejected = rejected
        self.metadata = metadata
    }

    /// True for preference pairs (chosen = `target`, rejected = `rejected`).
    public var isPreferencePair: Bool { rejected != nil }
}
