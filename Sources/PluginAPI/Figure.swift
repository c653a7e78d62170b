/// A figure described as data. Plugins and analysis commands describe what to draw; the host
/// draws it, as a terminal rendering in the REPL and as an SVG file with `plot … to F.svg`.
public enum Figure {
    /// Curves over a shared x axis: loss by step, saliency by layer, accuracy by G.
    case lines(LineFigure)
    /// One bar per label with an optional interval: accuracy by run.
    case bars(BarFigure)
    /// A matrix of values: the CKA similarity of layer pairs.
    case heatmap(HeatmapFigure)
    /// An agglomerative clustering tree: the layer hierarchy.
    case dendrogram(DendrogramFigure)
    /// Persistence intervals by homology dimension.
    case barcode(BarcodeFigure)
}

/// One named curve: `y[i]` at `x[i]`.
public struct Series {
    public var name: String
    public var x: [Double]
    public var y: [Double]

    public init(name: String, x: [Double], y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }
}

public struct LineFigure {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Draw y on a log scale (loss curves spanning decades).
    public var logY: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
    }
}

public struct BarFigure {
    public var title: String
    public var yLabel: String
    public var labels: [String]
    public var values: [Double]
    /// Interval ends per bar (a 95% confidence interval), drawn as error bars when given.
    public var lower: [Double]?
    public var upper: [Double]?

    public init(title: String, yLabel: String, labels: [String], values: [Double], lower: [Double]? = nil, upper: [Double]? = nil) {
        self.title = title
        self.yLabel = yLabel
        self.labels = labels
        self.values = values
        self.lower = lower
        self.upper = upper
    }
}

public struct HeatmapFigure {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`.
    public var values: [[Double]]
    /// The value range the colour scale spans; nil: the data's minimum and maximum.
    public var range: ClosedRange<Double>?

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], range: ClosedRange<Double>? = nil) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.range = range
    }
}

/// A tree in scipy's linkage convention: leaves are 0..<n; merge k creates node n + k from
/// `left` and `right` at `height`.
public struct DendrogramFigure {
    public struct Merge {
        public var left: Int
        public var right: Int
        public var height: Double

        public init(left: Int, right: Int, height: Double) {
            self.left = left
            self.right = right
            self.height = height
        }
    }

    public var title: String
    public var leafLabels: [String]
    public var merges: [Merge]
    /// A cut drawn as a horizontal line (the threshold that gave the chosen clusters).
    public var cut: Double?

    public init(title: String, leafLabels: [String], merges: [Merge], cut: Double? = nil) {
        self.title = title
        self.leafLabels = leafLabels
        self.merges = merges
        self.cut = cut
    }
}

public struct BarcodeFigure {
    /// One persistence interval; `death == nil` is an interval that never ends.
    public struct Bar {
        public var dimension: Int
        public var birth: Double
        public var death: Double?

        public init(dimension: Int, birth: Double, death: Double?) {
            self.dimension = dimension
            self.birth = birth
            self.death = death
        }
    }

    public var title: String
    public var bars: [Bar]

    public init(title: String, bars: [Bar]) {
        self.title = title
        self.bars = bars
    }
}
