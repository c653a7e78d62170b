import Foundation

/// Converts REPL values to JSON for `--json` output: records become objects with their
/// field order kept by sorting keys (stable across runs), doubles that are not finite become
/// null.
enum ValueJSON {
    static func object(_ value: Value) -> Any {
        switch value {
        case .void: return NSNull()
        case let .bool(b): return b
        case let .int(i): return i
        case let .double(d): return d.isFinite ? d : NSNull()
        case let .string(s): return s
        case let .array(items): return items.map(object)
        case let .record(r):
            var dictionary: [String: Any] = [:]
            for field in r.fields { dictionary[field.name] = object(field.value) }
            return dictionary
        }
    }

    /// One line of JSON with sorted keys.
    static func line(_ value: Value) -> String {
        let json = object(value)
        guard JSONSerialization.isValidJSONObject(json),
              let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Scalars are not valid top-level objects for JSONSerialization: wrap them.
            return line(.record(Record([("value", value)])))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
