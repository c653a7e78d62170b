/// What went wrong while finding, reading or slicing a dataset, phrased for the user.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    /// No dataset of that name; `known` lists the names there are.
    case unknownDataset(String, known: [String])
    /// The dataset has no such split; `available` lists its splits.
    case unknownSplit(dataset: String, split: String, available: [String])
    /// A split's file is absent (`note` says why it may be missing and how to add it).
    case missingFile(path: String, note: String)
    /// The data folder was not found in any of the places looked at.
    case dataDirectoryNotFound(searched: [String])
    /// A record that cannot be read: the file, its 1-based line, and what was wrong.
    case malformed(file: String, line: Int, reason: String)
    /// The file exists but could not be read (permissions, a failed decompression).
    case unreadable(path: String, reason: String)
    /// A request that cannot be met (e.g. `limit=0`, a hold-out larger than the data).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .unknownDataset(name, known):
            return "unknown dataset '\(name)'; known datasets: \(known.joined(separator: ", "))"
        case let .unknownSplit(dataset, split, available):
            return "dataset '\(dataset)' has no split '\(split)'; use split=\(available.joined(separator: "|"))"
        case let .missingFile(path, note):
            return "missing data file \(path)" + (note.isEmpty ? "" : ": \(note)")
        case let .dataDirectoryNotFound(searched):
            return "cannot find the data folder; looked in \(searched.joined(separator: ", ")). Set STRATA_DATA to the folder holding gsm8k/, aqua/, math500/ and hh-rlhf/"
        case let .malformed(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .invalidRequest(reason):
            return reason
        }
    }
}
