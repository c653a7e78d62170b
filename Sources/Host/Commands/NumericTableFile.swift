import Compute
import Foundation

/// A 2-D table of numbers read from a CSV or `.npy` file, for the analysis subjects of `inspect`
/// (a distance matrix, a point cloud). Errors name the file, and the row and column of a bad cell.
enum NumericTableFile {
    /// Rows of a CSV (comma, tab or space separated; `#` comment lines and a non-numeric header
    /// line are skipped) or of a 2-D `.npy` array (float32/float64; values pass through float32,
    /// as `NumpyArrayFile` reads them).
    static func read(_ path: String, command: String) throws -> [[Double]] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("\(command): cannot read \(path): no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("\(command): cannot read \(path): the file is not readable")
        }
        if path.lowercased().hasSuffix(".npy") { return try numpy(data, path: path, command: command) }
        return try csv(String(decoding: data, as: UTF8.self), path: path, command: command)
    }

    static func numpy(_ data: Data, path: String, command: String) throws -> [[Double]] {
        let tensor: Tensor
        do { tensor = try NumpyArrayFile.decode(data) } catch {
            throw CommandError("\(command): \(path) is not a readable .npy array: \(error)")
        }
        guard tensor.rank == 2 else {
            throw CommandError("\(command): \(path) holds an array of shape \(Tensor.describe(tensor.shape)); a 2-D array is needed")
        }
        let (rows, columns) = (tensor.shape[0], tensor.shape[1])
        let values = tensor.scalars
        return (0..<rows).map { r in (0..<columns).map { Double(values[r * columns + $0]) } }
    }

    static func csv(_ text: String, path: String, command: String) throws -> [[Double]] {
        var rows: [[Double]] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == " " || $0 == ";" })
                .map { $0.trimmingCharacters(in: .whitespaces) }
            var row: [Double] = []
            for (column, cell) in cells.enumerated() {
                guard let value = Double(cell) else {
                    // A first line of names is a header.
                    if rows.isEmpty && row.isEmpty && cells.allSatisfy({ Double($0) == nil }) { break }
                    throw CommandError("\(command): \(path) line \(lineNumber), column \(column + 1): '\(cell)' is not a number")
                }
                row.append(value)
            }
            if row.isEmpty { continue }
            if let first = rows.first, first.count != row.count {
                throw CommandError("\(command): \(path) line \(lineNumber) has \(row.count) values but the first row has \(first.count); every row needs the same number")
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw CommandError("\(command): \(path) holds no numbers") }
        return rows
    }
}
