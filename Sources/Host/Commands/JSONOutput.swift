import Foundation

/// One JSON object per result with sorted keys, so scripts can rely on a stable layout.
enum JSONOutput {
    static func print(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
