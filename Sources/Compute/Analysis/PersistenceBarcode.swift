import Foundation

/// One persistence interval: a homology class of `dimension` born at scale `birth` that dies at
/// `death` (nil: it never dies within the filtration, an infinite bar).
public struct PersistenceBar: Equatable {
    public var dimension: Int
    public var birth: Double
    public var death: Double?

    public init(dimension: Int, birth: Double, death: Double?) {
        self.dimension = dimension
        self.birth = birth
        self.death = death
    }

    /// `death − birth`; nil for an infinite bar.
    public var lifespan: Double? { death.map { $0 - birth } }
}

/// The H0 and H1 intervals of a Vietoris–Rips filtration, each sorted by birth then death
/// (infinite last), zero-length intervals omitted as ripser omits them.
public struct PersistenceBarcode: Equatable {
    public var h0: [PersistenceBar]
    public var h1: [PersistenceBar]

    public init(h0: [PersistenceBar], h1: [PersistenceBar]) {
        self.h0 = h0.sorted(by: PersistenceBarcode.order)
        self.h1 = h1.sorted(by: PersistenceBarcode.order)
    }

    /// The bars of dimension 0 or 1.
    public func bars(dimension: Int) -> [PersistenceBar] { dimension == 0 ? h0 : dimension == 1 ? h1 : [] }

    public func summary(dimension: Int) -> BarcodeSummary { BarcodeSummary(bars(dimension: dimension)) }

    static func order(_ a: PersistenceBar, _ b: PersistenceBar) -> Bool {
        (a.birth, a.death ?? .infinity) < (b.birth, b.death ?? .infinity)
    }
}

/// Numbers that summarise one dimension of a barcode. Lifespan statistics and the entropy use
/// the finite bars only: infinite bars (the one connected component of a full Rips complex,
/// classes alive at `maxRadius`) are counted but carry no finite length — giotto-tda's
/// convention, which drops them before its `PersistenceEntropy`.
public struct BarcodeSummary: Equatable {
    public var count: Int
    public var finiteCount: Int
    public var infiniteCount: Int
    /// Mean and maximum of death − birth over finite bars; 0 when there are none.
    public var averageLifespan: Double
    public var maxLifespan: Double
    public var totalLifespan: Double
    /// Persistence entropy −Σ (lᵢ/L) ln(lᵢ/L), L = Σ lᵢ over finite bars (natural log); 0 when
    /// there are none.
    public var entropy: Double

    public init(_ bars: [PersistenceBar]) {
        let lifespans = bars.compactMap(\.lifespan)
        count = bars.count
        finiteCount = lifespans.count
        infiniteCount = bars.count - lifespans.count
        totalLifespan = lifespans.reduce(0, +)
        averageLifespan = lifespans.isEmpty ? 0 : totalLifespan / Double(lifespans.count)
        maxLifespan = lifespans.max() ?? 0
        entropy = BarcodeSummary.persistenceEntropy(lifespans)
    }

    /// −Σ (lᵢ/L) ln(lᵢ/L) over positive lifespans lᵢ, L their sum; 0 for none.
    public static func persistenceEntropy(_ lifespans: [Double]) -> Double {
        let positive = lifespans.filter { $0 > 0 }
        let total = positive.reduce(0, +)
        guard total > 0 else { return 0 }
        return -positive.reduce(0) { sum, l in sum + (l / total) * log(l / total) }
    }
}
