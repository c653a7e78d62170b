import Foundation

/// `plugin new NAME [dir]`: writes a plugin folder `dir/NAME/` with a documented, compiling
/// method (`NAME.swift`: parameters at the top, every hook with its shapes) and a script to
/// try it (`try-name.strata`).
public enum PluginTemplate {
    /// Writes the template; returns the files written. Refuses to overwrite a folder that
    /// already holds Swift sources.
    @discardableResult
    public static func write(name: String, into directory: String) throws -> [String] {
        guard PluginFolder.isIdentifier(name) else {
            throw PluginError.invalidName(name, reason: "the folder's name is the plugin's Swift module name, so it must be a Swift identifier (letters, digits, _; not starting with a digit)")
        }
        guard !PluginFolder.hostModules.contains(name) else {
            throw PluginError.invalidName(name, reason: "it is the name of a module of the host")
        }
        let folder = directory + "/" + name
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard !existing.contains(where: { $0.hasSuffix(".swift") }) else {
            throw PluginError.fileSystem("\(folder) already holds a plugin; choose another name or folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let method = name.lowercased()
            let files = [(folder + "/" + name + ".swift", source(name: name, method: method)),
                         (folder + "/try-" + method + ".strata", script(folder: folder, method: method))]
            for (path, text) in files { try text.write(toFile: path, atomically: true, encoding: .utf8) }
            return files.map(\.0)
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError.fileSystem("cannot write the plugin template into \(folder): \(error.localizedDescription)")
        }
    }

    static func script(folder: String, method: String) -> String {
        """
        # Try the \(method) plugin on the tiny model:  strata \(folder)/try-\(method).strata
        # After editing \(method).swift, `use \(method)` again in the REPL rebuilds and loads it.
        load tiny
        plugin load \(folder.debugDescription)
        help \(method)
        use \(method) temperature=2
        show
        generate "Hello" max-tokens=8
        unuse \(method)

        """
    }

    static func source(name: String, method: String) -> String {
        """
        // \(name) — say in one line what the method does.
        // Paper: Authors, "Title", Venue Year. https://arxiv.org/abs/…
        //
        // Method. Describe the method as its paper does, with the equations the code follows.
        // This template scales the logits by 1/temperature (`logits` hook) so that it does
        // something visible; replace it with your method.
        //
        // Use it:   plugin load <this folder>      (or put the folder in Plugins/)
        //           use \(method) temperature=2
        // Edit this file and `use \(method)` again: the host rebuilds it and loads the new build.
        // Try it:   strata try-\(method).strata     (a script next to this file)

        import Compute
        import PluginAPI

        // MARK: - Parameters (`help \(method)` prints them; bad values are refused with the range)

        private let schema = ParameterSchema([
            ParameterSpec("temperature", .double(.greaterThan(0)), default: .double(1),
                          help: "divides the logits; 1 leaves the model unchanged"),
        ])

        // MARK: - Method

        final class \(name): Method {
            let name = "\(method)"            // `use \(method)`; prefix of its tensors: "\(method).<tensor>"
            let temperature: Double

            init(_ parameters: ParsedParameters) throws {
                temperature = try parameters.double("temperature")
            }

            // After `use`: the model (context.model), seed (context.generator(for: name)),
            // the session's examples (context.examples) and metrics (context.metrics).
            // Create trainable tensors here: requiresGrad = true, name = "\(method).<tensor>".
            func attach(to context: MethodContext) throws {}

            // What `train` updates.
            var trainableParameters: [Tensor] { [] }

            // Declare what the method needs from earlier methods and how its loss combines:
            // var requires: [Capability] { [.softPrompts] }
            // var lossRole: LossRole { .adds }        // or .replaces (one method at most)

            // blocks.{layer}.input — state.hidden [batch, seq, d_model], state.positions and
            // state.isReal [batch][seq]. May change seq: insert slots in front with
            // state.prependingSlots(P) (P: [m, d_model]) and declare insertedPositions = m.
            func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState { state }

            // blocks.{layer}.attn.probs — [batch, q_heads, q_seq, k_seq], in the graph: read,
            // mask or capture (keep it to read its gradient after backward).
            func attentionProbabilities(_ layer: Int, _ probabilities: Tensor) throws -> Tensor { probabilities }

            // blocks.{layer}.attn.{q,k,v,o}, blocks.{layer}.mlp.{gate,up,down} — input
            // [batch, seq, in], output [batch, seq, out]; an adapter returns output + B·A·input.
            func projection(_ layer: Int, _ kind: Projection, input: Tensor, output: Tensor) throws -> Tensor { output }

            // Extra keys/values attended in `layer` (prefix tuning): [batch, m, kv_heads, head_dim] each.
            func prefixKeyValues(_ layer: Int, batch: Int) throws -> (key: Tensor, value: Tensor)? { nil }

            // final_norm — [batch, seq, d_model] (inserted slots already dropped).
            func finalNorm(_ hidden: Tensor) throws -> Tensor { hidden }

            // logits — [batch, seq, vocab].
            func logits(_ logits: Tensor) throws -> Tensor {
                temperature == 1 ? logits : logits * Float(1 / temperature)
            }

            // A loss term (lossRole .adds) or the whole objective (.replaces). context.logits
            // [batch, seq, vocab], context.targets [batch][seq], context.softPrompts.
            func loss(_ context: LossContext) throws -> LossContribution? { nil }

            // After `generate`/`eval`: inspect, revise items in place (generation.outputs[i],
            // texts[i], notes[i][name]), or return .rerun(reason:).
            func afterGeneration(_ generation: inout GenerationRecord) throws -> GenerationDecision { .accept }

            // What `show` prints.
            func report() -> [(String, String)] { [("temperature", "\\(temperature)")] }
        }

        // MARK: - Registration (the host calls this once after loading the library)

        @_cdecl("strata_plugin_main")
        public func strataPluginMain() -> UnsafeMutableRawPointer {
            PluginRegistration(
                name: "\(method)", version: "0.1",
                summary: "scales the logits by 1/temperature (template)",
                citation: nil,
                schema: schema,
                factory: { parameters, _ in try \(name)(parameters) }
            ).retainedPointer()
        }

        """
    }
}
