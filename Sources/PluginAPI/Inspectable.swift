import Compute

/// A method with something to show beyond `show`: `inspect stages` asks the active method that
/// lists `stages` among its subjects (DHAM's partition of the layers).
public protocol Inspectable: Method {
    /// The subjects this method answers (`stages`).
    var inspectionSubjects: [String] { get }
    /// What `inspect SUBJECT` prints, returns as JSON, and can plot.
    func inspect(_ subject: String) throws -> Inspection
}

/// The answer to `inspect SUBJECT`: lines for the terminal, one JSON object for `--json`
/// and scripts, and figures the host draws (terminal and SVG).
public struct Inspection {
    public var lines: [String]
    public var json: JSONValue
    public var figures: [Figure]

    public init(lines: [String], json: JSONValue, figures: [Figure] = []) {
        self.lines = lines
        self.json = json
        self.figures = figures
    }
}
