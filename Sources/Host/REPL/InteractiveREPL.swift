import Compute
import Foundation

/// The interactive session: libedit line editing with history and completion over the
/// session's vocabulary, statements run by the interpreter, Ctrl-C interrupting the work
/// (not the session), errors printed and the loop carried on until `quit` or end of input.
struct InteractiveREPL {
    let session: Session
    let interpreter: Interpreter

    func run() {
        let editor = LineEditor()
        editor.completion = CompletionEngine(vocabulary: SessionVocabulary(session: session, interpreter: interpreter))
        var loop: REPLLoop!
        loop = REPLLoop(editor: editor, evaluate: { source in
            do {
                try interpreter.run(source, fileName: nil)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
            if session.quitRequested { loop.stop() }
        }, isComplete: interpreter.isComplete)
        loop.run()
    }
}

/// What tab completion offers, read live from the session.
struct SessionVocabulary: CompletionVocabulary {
    let session: Session
    let interpreter: Interpreter

    var commands: [String] { session.commandNames }
    var methods: [String] { session.plugins.names }
    var datasets: [String] { DatasetCatalog.names }
    var variables: [String] { interpreter.variableNames + Interpreter.functionNames }

    func parameters(of method: String) -> [String] {
        // Plugins build on first use; completion then reads the cached library.
        (try? session.plugins.registration(named: method))?.schema.names ?? []
    }
}
