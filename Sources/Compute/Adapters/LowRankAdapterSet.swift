/// The LoRA adapters of one method: one `LowRankAdapter` per (layer, projection) chosen, all
/// with the same r, α and dropout. LoRA and HierLoRA share it; they differ only in the layers.
///
/// Tensor names: `<prefix>.blocks.{i}.{q|k|v|o|gate|up|down}.{A|B}` (STYLE §4).
public final class LowRankAdapterSet {
    /// Where an adapter sits.
    public struct Site: Hashable, Comparable {
        public let layer: Int
        public let projection: Projection

        public init(layer: Int, projection: Projection) {
            self.layer = layer
            self.projection = projection
        }

        public static func < (l: Site, r: Site) -> Bool {
            (l.layer, Projection.allCases.firstIndex(of: l.projection) ?? 0)
                < (r.layer, Projection.allCases.firstIndex(of: r.projection) ?? 0)
        }
    }

    public let prefix: String
    public let layers: [Int]
    public let targets: [Projection]
    public let rank: Int
    public let alpha: Double
    public let dropout: Float
    /// In forward order (layer, then q k v o gate up down).
    public let sites: [Site]
    public let adapters: [Site: LowRankAdapter]

    /// Creates adapters on `targets` of each of `layers` of a model with `config`. Each adapter's
    /// draws come from its own seed, derived from `seed` and its site, so choosing other layers
    /// does not change the initial values of the rest.
    public init(prefix: String, config: LlamaConfig, layers: [Int], targets: [Projection], rank: Int,
                alpha: Double, dropout: Float, seed: UInt64, randomB: Bool = false) throws {
        guard !targets.isEmpty else { throw AdapterError("\(prefix): no target projections; give targets=q,k,v,o or a subset") }
        guard !layers.isEmpty else { throw AdapterError("\(prefix): no layers selected") }
        if let bad = layers.first(where: { $0 < 0 || $0 >= config.layerCount }) {
            throw AdapterError("\(prefix): layer \(bad) is out of range: the model has \(config.layerCount) layers (0…\(config.layerCount - 1))")
        }
        self.prefix = prefix
        self.layers = Array(Set(layers)).sorted()
        self.targets = Projection.allCases.filter(targets.contains)
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        var sites: [Site] = []
        var adapters: [Site: LowRankAdapter] = [:]
        for layer in self.layers {
            for projection in self.targets {
                let site = Site(layer: layer, projection: projection)
                let (out, input) = config.projectionShape(projection)
                let index = UInt64(layer * Projection.allCases.count + (Projection.allCases.firstIndex(of: projection) ?? 0))
                var mixer = SeededGenerator(seed: seed ^ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15)
                let siteSeed = mixer.next()
                adapters[site] = try LowRankAdapter(inFeatures: input, outFeatures: out, rank: rank, alpha: alpha,
                                                    dropout: dropout, seed: siteSeed, randomB: randomB,
                                                    name: Self.tensorName(prefix: prefix, site))
                sites.append(site)
            }
        }
        self.sites = sites
        self.adapters = adapters
    }

    /// `<prefix>.blocks.{i}.{projection}` (append `.A` or `.B`).
    public static func tensorName(prefix: String, _ site: Site) -> String {
        "\(prefix).blocks.\(site.layer).\(site.projection.rawValue)"
    }

    /// The projection hook: `output + (α/r)·B·A·dropout(input)` where an adapter sits, else
    /// `output` itself. Dropout applies only while autograd records (a training forward).
    public func apply(_ layer: Int, _ projection: Projection, input: Tensor, output: Tensor) throws -> Tensor {
        guard let adapter = adapters[Site(layer: layer, projection: projection)] else { return output }
        return try output + adapter.delta(input, training: Autograd.isRecording)
    }

    /// A then B of every site, in forward order.
    public var parameters: [Tensor] { sites.compactMap { adapters[$0] }.flatMap { [$0.a, $0.b] } }

    /// Number of trainable values: Σ r·(in + out) over the sites.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Targets as written in `targets=`: `q,k,v,o`.
    public var targetList: String { targets.map(\.rawValue).joined(separator: ",") }

    /// The configuration a checkpoint or an exporter needs (`kind: "lora"` marks the layout).
    /// Dropout is written as its shortest decimal (0.05, not 0.0500000007).
    public var stateConfig: JSONValue {
        .object(["kind": .string("lora"), "r": .int(rank), "alpha": .number(alpha), "dropout": .number(Double("\(dropout)") ?? Double(dropout)),
                 "targets": .array(targets.map { .string($0.rawValue) }), "layers": .array(layers.map { .int($0) })])
    }

    /// Parses `q,k,v,o` (any of q k v o gate up down, comma-separated, no repeats).
    public static func parseTargets(_ text: String) throws -> [Projection] {
        let words = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        var targets: [Projection] = []
        for word in words {
            guard let projection = Projection(rawValue: word.lowercased()) else {
                let names = Projection.allCases.map(\.rawValue).joined(separator: ", ")
                throw AdapterError("unknown target \"\(word)\" in targets=\(text); the projections are \(names)")
            }
            guard !targets.contains(projection) else { throw AdapterError("targets=\(text) names \(word) twice") }
            targets.append(projection)
        }
        return targets
    }
}

extension LlamaConfig {
    /// `(out, in)` of a projection's weight.
    public func projectionShape(_ projection: Projection) -> (out: Int, in: Int) {
        switch projection {
        case .q: return (queryWidth, hiddenSize)
        case .k, .v: return (kvWidth, hiddenSize)
        case .o: return (hiddenSize, queryWidth)
        case .gate, .up: return (intermediateSize, hiddenSize)
        case .down: return (hiddenSize, intermediateSize)
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
