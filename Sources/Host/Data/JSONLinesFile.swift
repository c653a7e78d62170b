import Compute
import Foundation

/// Reads a JSON Lines file (one JSON value per line; blank lines skipped), optionally
/// gzip-compressed, keeping each record's 1-based line number for error messages.
public enum JSONLinesFile {
    /// One parsed line.
    public struct Record {
        public let line: Int
        public let value: JSONValue
    }

    /// The records of `path`. A `.gz` file is decompressed first (see `decompressedBytes`).
    /// A line that is not valid JSON is an error naming the file and line.
    public static func read(_ path: String) throws -> [Record] {
        let bytes = path.hasSuffix(".gz") ? try decompressedBytes(path) : try fileBytes(path)
        var records: [Record] = []
        var lineNumber = 0
        var start = 0
        try bytes.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            while start < buffer.count {
                lineNumber += 1
                var end = start
                while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                var contentEnd = end
                if contentEnd > start && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }   // CRLF
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<contentEnd])
                if line.contains(where: { $0 != 0x20 && $0 != 0x09 }) {
                    do {
                        records.append(Record(line: lineNumber, value: try JSONValue.parse(line)))
                    } catch {
                        throw DatasetError.malformed(file: path, line: lineNumber, reason: "not a JSON record (\(error))")
                    }
                }
                start = end + 1
            }
        }
        return records
    }

    private static func fileBytes(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Foundation on Linux has no gzip decoder and the package links no zlib, so the system
    /// `gzip -dc` decompresses (it is part of every Linux base system).
    static func decompressedBytes(_ path: String) throws -> Data {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "the file is missing or not readable")
        }
        guard let gzip = executable(named: "gzip") else {
            throw DatasetError.unreadable(path: path, reason: "no gzip program on PATH to decompress it; install gzip or place the decompressed .jsonl beside it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-dc", "--", path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DatasetError.unreadable(path: path, reason: "cannot run \(gzip): \(error.localizedDescription)")
        }
        // Drain stdout before waiting, or a full pipe would block gzip forever.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DatasetError.unreadable(path: path, reason: "gzip -dc failed (status \(process.terminationStatus)): \(text)")
        }
        return data
    }

    private static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
