/// Keys and values of past positions, per layer, for incremental decoding.
///
/// Each layer has its own fill level because a block-input hook may lengthen the sequence
/// from some layer on (soft prompts inserted at layer r), so deeper layers can hold more
/// slots than shallow ones. Slots are preallocated (`capacity`) so attention reads one
/// contiguous `[batch, capacity, kv_heads, head_dim]` tensor; unfilled slots and padding
/// are excluded by the additive mask, and causality by the slot index.
public final class KVCache {
    public let batch: Int
    public let capacity: Int
    public let kvHeads: Int
    public let headDim: Int
    private var keys: [Tensor]      // per layer [batch, capacity, kv_heads, head_dim]
    private var values: [Tensor]
    private var masks: [Tensor]     // per layer [batch, capacity]: 0 for real slots, -inf otherwise
    public private(set) var lengths: [Int]

    public init(config: LlamaConfig, batch: Int, capacity: Int) throws {
        guard batch > 0, capacity > 0 else {
            throw ModelError.invalidInput("a KV cache needs a positive batch and capacity (got \(batch), \(capacity))")
        }
        self.batch = batch
        self.capacity = capacity
        kvHeads = config.kvHeadCount
        headDim = config.headDim
        let shape = [batch, capacity, config.kvHeadCount, config.headDim]
        keys = (0..<config.layerCount).map { _ in Tensor(zeros: shape) }
        values = (0..<config.layerCount).map { _ in Tensor(zeros: shape) }
        masks = (0..<config.layerCount).map { _ in Tensor.full([batch, capacity], value: -.infinity) }
        lengths = Array(repeating: 0, count: config.layerCount)
    }

    /// Appends `key`/`value` `[batch, t, kv_heads, head_dim]` to `layer` and returns the whole
    /// cache of that layer with its mask and the slot index of the first new position.
    public func append(layer: Int, key: Tensor, value: Tensor, isReal: [[Bool]]) throws
        -> (keys: Tensor, values: Tensor, mask: Tensor, queryOffset: Int) {
        let t = key.shape[1]
        let start = lengths[layer]
        guard start + t <= capacity else {
            throw ModelError.invalidInput("the KV cache of layer \(layer) holds \(capacity) positions; \(start) are used and \(t) more were given")
        }
        guard key.shape == [batch, t, kvHeads, headDim], value.shape == key.shape else {
            throw TensorError.shapeMismatch(op: "KVCache.append", lhs: key.shape, rhs: [batch, t, kvHeads, headDim],
                                            reason: "keys and values must be [batch, seq, kv_heads, head_dim]")
        }
        let k = key.contiguous(), v = value.contiguous()
        let row = kvHeads * headDim
        let cacheK = keys[layer], cacheV = values[layer], mask = masks[layer]
        for b in 0..<batch {
            let destination = (b * capacity + start) * row
            let source = b * t * row
            (cacheK.data + destination).update(from: k.data + source, count: t * row)
            (cacheV.data + destination).update(from: v.data + source, count: t * row)
            for i in 0..<t {
                mask.data[b * capacity + start + i] = isReal[b][i] ? 0 : -.infinity
            }
        }
        lengths[layer] = start + t
        return (cacheK, cacheV, mask, start)
    }

    /// Forgets everything (the buffers are reused).
    public func reset() {
        for layer in 0..<lengths.count {
            lengths[layer] = 0
            masks[layer].data.update(repeating: -.infinity, count: masks[layer].count)
        }
    }
}
