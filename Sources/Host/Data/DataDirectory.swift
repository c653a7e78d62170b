import Foundation

/// Finds the folder holding the shipped datasets (`gsm8k/`, `aqua/`, …).
public enum DataDirectory {
    /// `$STRATA_DATA` when set, else the first existing candidate: `./data`, `data/` beside the executable
    /// or up to four folders above it (a `.build/<config>/strata` sits three below the
    /// package), then the package's own `data/` as known when this file was compiled.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let explicit = environment["STRATA_DATA"], !explicit.isEmpty {
            // An explicit setting that is wrong is reported, not silently passed over.
            guard looksLikeDataDirectory(explicit) else {
                throw DatasetError.missingFile(path: explicit, note: "STRATA_DATA names no folder holding gsm8k/, aqua/, math500/ or hh-rlhf/")
            }
            return explicit
        }
        var candidates: [String] = []
        candidates.append(FileManager.default.currentDirectoryPath + "/data")
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("data").path)
            directory.deleteLastPathComponent()
        }
        // Sources/Host/Data/DataDirectory.swift → package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent("data").path)

        for candidate in candidates where looksLikeDataDirectory(candidate) {
            return candidate
        }
        var seen = Set<String>()
        throw DatasetError.dataDirectoryNotFound(searched: candidates.filter { seen.insert($0).inserted })
    }

    private static func looksLikeDataDirectory(_ path: String) -> Bool {
        DatasetCatalog.specifications.contains { spec in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + spec.folder, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }
}
