/// The words tab completion can offer, supplied by the session (commands it runs, methods
/// the plugin registry knows, parameters from their schemas, datasets, bound variables).
public protocol CompletionVocabulary {
    /// Command names (and statement keywords) offered at the start of a statement.
    var commands: [String] { get }
    /// Method (plugin) names offered after `use`, `unuse` and `help`.
    var methods: [String] { get }
    /// Parameter names of a method's schema, offered as `name=` after `use <method> `.
    func parameters(of method: String) -> [String]
    /// Dataset names offered after `data` and `eval`.
    var datasets: [String] { get }
    /// Variables bound in the session, offered in expressions.
    var variables: [String] { get }
}

/// What completing the word under the cursor can produce.
public struct Completion: Equatable {
    /// Full replacements for the text in `replacement`, sorted, without duplicates.
    public var candidates: [String]
    /// The UTF-8 byte range of the line that a chosen candidate replaces; it ends at the cursor.
    public var replacement: Range<Int>
    /// Appended after a single, final candidate (a space after a word; nothing after a
    /// directory's `/` or a parameter's `=`).
    public var terminator: String

    public init(candidates: [String], replacement: Range<Int>, terminator: String = " ") {
        self.candidates = candidates
        self.replacement = replacement
        self.terminator = terminator
    }

    public static func none(at cursor: Int) -> Completion {
        Completion(candidates: [], replacement: cursor..<cursor)
    }
}

/// Computes completions for a line; the line editor calls it on Tab.
public protocol CompletionProvider {
    /// - Parameters:
    ///   - line: the whole edit buffer.
    ///   - cursor: the cursor position as a UTF-8 byte offset into `line`.
    func complete(line: String, cursor: Int) -> Completion
}
