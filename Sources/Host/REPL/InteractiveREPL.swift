import Compute
import Foundation

/// The interactive loop: reads statements (continuation lines while braces or strings are
/// open), runs them, prints errors, and never exits on user input — only on `quit` or
/// end of input.
struct InteractiveREPL {
    let session: Session
    let interpreter: Interpreter

    func run() {
        var buffer = ""
        while !session.quitRequested {
            FileHandle.standardOutput.write(Data((buffer.isEmpty ? "strata> " : "   ...> ").utf8))
            guard let line = readLine(strippingNewline: true) else { break }
            buffer += (buffer.isEmpty ? "" : "\n") + line
            guard interpreter.isComplete(buffer) else { continue }
            let source = buffer
            buffer = ""
            do {
                try interpreter.run(source, fileName: nil)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
        }
    }
}
