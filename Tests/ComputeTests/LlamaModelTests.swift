import Compute
import XCTest

/// The model on `tiny`: incremental decoding, padding, hooks and gradients through the stack.
final class LlamaModelTests: XCTestCase {
    private let ids = [5, 72, 101, 108, 108, 111, 33, 200, 14]

    func testLogitsHaveBatchSeqVocabShape() throws {
        let model = try TinyLlama.make()
        let logits = try model.forward([ids, ids.reversed()])
        XCTAssertEqual(logits.shape, [2, ids.count, 260])
        XCTAssertEqual(try model.forward([ids], logits: .last).shape, [1, 1, 260])
    }

    func testTinyIsDeterministicFromItsSeed() throws {
        let a = try TinyLlama.make(seed: 3).forward([ids]).scalars
        let b = try TinyLlama.make(seed: 3).forward([ids]).scalars
        let c = try TinyLlama.make(seed: 4).forward([ids]).scalars
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    /// Decoding token by token through the KV cache reproduces the full forward pass.
    func testKVCacheMatchesFullForward() throws {
        let model = try TinyLlama.make()
        let full = try model.forward([ids])                                     // [1, T, V]
        let cache = try KVCache(config: model.config, batch: 1, capacity: ids.count)
        let vocab = model.config.vocabularySize
        _ = try model.forward([Array(ids.prefix(4))], cache: cache)
        for t in 4..<ids.count {
            let step = try model.forward([[ids[t]]], positions: [[t]], cache: cache)
            let expected = try full.slice(axis: 1, range: t..<(t + 1)).scalars
            assertClose(step.scalars, expected, atol: 1e-4, rtol: 1e-4, "position \(t)")
            XCTAssertEqual(step.count, vocab)
        }
        XCTAssertThrowsError(try model.forward([[1]], positions: [[ids.count]], cache: cache)) { error in
            XCTAssertTrue("\(error)".contains("holds \(ids.count) positions"), "\(error)")
        }
    }

    /// A left-padded row gives the same last-position logits as the same row alone.
    func testLeftPaddingIsInvisible() throws {
        let model = try TinyLlama.make()
        let short = Array(ids.prefix(5))
        let alone = try model.forward([short], logits: .last).scalars
        let padded = [Array(repeating: 0, count: 4) + short, ids]
        let positions = [Array(repeating: 0, count: 4) + Array(0..<5), Array(0..<ids.count)]
        let isReal = [Array(repeating: false, count: 4) + Array(repeating: true, count: 5),
                      Array(repeating: true, count: ids.count)]
        let batched = try model.forward(padded, positions: positions, isReal: isReal, logits: .last)
        assertClose(try batched.select(axis: 0, index: 0).scalars, alone, atol: 1e-4, rtol: 1e-4)
    }

    /// Quantized projection weights give logits close to their dequantized Float32 twin.
    func testQuantizedWeightsTrackTheirDenseTwin() throws {
        let quantized = try TinyLlama.make(seed: 1, quantize: .q8_0)
        let dense = try LlamaModel(
            config: quantized.config, tokenEmbedding: quantized.tokenEmbedding,
            blocks: quantized.blocks.map { b in
                LlamaBlockWeights(attentionNorm: b.attentionNorm, q: .dense(b.q.dense()), k: .dense(b.k.dense()),
                                  v: .dense(b.v.dense()), o: .dense(b.o.dense()), mlpNorm: b.mlpNorm,
                                  gate: .dense(b.gate.dense()), up: .dense(b.up.dense()), down: .dense(b.down.dense()))
            },
            finalNorm: quantized.finalNorm, lmHead: nil, source: "dequantized")
        assertClose(try quantized.forward([ids]).scalars, try dense.forward([ids]).scalars, atol: 2e-3, rtol: 1e-3)
    }

    /// A block-input hook that prepends trainable vectors (a soft prompt) lengthens the
    /// sequence and receives a gradient that matches finite differences of the loss.
    func testSoftPromptGradientThroughTheWholeModel() throws {
        let model = try TinyLlama.make()
        final class PrependPrompt: ForwardHooks {
            let prompt: Tensor                                                  // [m, d]
            init(_ prompt: Tensor) { self.prompt = prompt }
            func blockInput(_ layer: Int, _ state: SequenceState) throws -> SequenceState {
                guard layer == 0 else { return state }
                let m = prompt.shape[0]
                let batched = try prompt.unsqueezed(axis: 0)
                var next = state
                next.hidden = try Tensor.concat([batched, state.hidden], axis: 1)
                next.positions = state.positions.map { Array(0..<(m + $0.count)) }
                next.isReal = state.isReal.map { Array(repeating: true, count: m) + $0 }
                return next
            }
        }
        let prompt = parameter([2, model.config.hiddenSize], seed: 9, scale: 0.3)
        let hooks = PrependPrompt(prompt)
        let input = Array(ids.prefix(5))
        try assertGradientsMatch([prompt], epsilon: 1e-2, absoluteTolerance: 3e-3, relativeTolerance: 3e-2, maxElements: 24) { xs in
            XCTAssertTrue(xs[0] === prompt)
            let logits = try model.forward([input], hooks: hooks)               // [1, 2 + 5, V]
            let tail = try logits.slice(axis: 1, range: 2..<7).reshape([5, model.config.vocabularySize])
            return try crossEntropy(logits: tail, targets: Array(ids[1...5])).reshape([1])
        }
    }

    func testRaggedBatchIsAClearError() throws {
        let model = try TinyLlama.make()
        XCTAssertThrowsError(try model.forward([[1, 2, 3], [1, 2]])) { error in
            XCTAssertTrue("\(error)".contains("same length"), "\(error)")
        }
        XCTAssertThrowsError(try model.forward([[1, 999]])) { error in
            XCTAssertTrue("\(error)".contains("999"), "\(error)")
        }
    }

    func testHookPointNamesAreStable() {
        XCTAssertEqual(HookPoint.blockInput(3).description, "blocks.3.input")
        XCTAssertEqual(HookPoint.attentionProbabilities(0).description, "blocks.0.attn.probs")
        XCTAssertEqual(HookPoint.projection(2, .q).description, "blocks.2.attn.q")
        XCTAssertEqual(HookPoint.projection(2, .down).description, "blocks.2.mlp.down")
        XCTAssertEqual(HookPoint.all(layers: 2).count, 2 * 9 + 2)
    }
}
