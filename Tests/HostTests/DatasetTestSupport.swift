import Foundation
import Host

/// The repository's `data/` folder (never a copy elsewhere), found from this file's path.
let repositoryDataDirectory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data").path

let shippedData = DatasetCatalog(root: repositoryDataDirectory)

/// A fresh temporary folder, removed by the caller.
func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "strata-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The description of the error `body` throws, or a failure note when it throws none.
func errorText(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "<no error>"
    } catch {
        return "\(error)"
    }
}
