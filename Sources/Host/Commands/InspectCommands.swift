import Compute
import PluginAPI

/// One subject of `inspect` (`cka`, `cluster`, `topology`, `saliency`): its own arguments,
/// help, and what it computes. Subjects of active methods (`Inspectable`, e.g. DHAM's `stages`)
/// are found after these.
public struct InspectSubject {
    public let name: String
    public let usage: String
    public let summary: String
    /// Named arguments the subject accepts.
    public let parameters: [String]
    let run: (Session, CommandArguments) throws -> Inspection

    public init(name: String, usage: String, summary: String, parameters: [String] = [],
                run: @escaping (Session, CommandArguments) throws -> Inspection) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.parameters = parameters
        self.run = run
    }
}

/// `inspect SUBJECT …`: analyses that print lines, return one record (`--json`), and carry
/// figures that `plot SUBJECT` draws.
enum InspectCommands {
    static var all: [CommandSpec] { [inspect] }

    /// The host's subjects, in the order `help inspect` lists them.
    static var subjects: [InspectSubject] { [InspectSaliency.subject] }

    static let inspect = CommandSpec(
        name: "inspect", usage: "inspect SUBJECT [arguments]   (subjects: `help inspect`)",
        summary: "Analyses: layer similarity, clustering, topology, saliency, and what active methods offer.",
        acceptsAnyParameters: true) { session, args in
        let subject = try args.string(at: 0, "subject")
        let inspection = try inspection(subject, session: session, arguments: args)
        session.say(inspection.lines.joined(separator: "\n"), args)
        return Value(json: inspection.json)
    }

    /// What `inspect SUBJECT` computes: a host subject, else an active method's.
    static func inspection(_ subject: String, session: Session, arguments: CommandArguments) throws -> Inspection {
        if let host = subjects.first(where: { $0.name == subject }) {
            try checkParameters(arguments, accepted: host.parameters, subject: host.name, usage: host.usage)
            return try host.run(session, arguments)
        }
        for case let method as Inspectable in session.methods.methods where method.inspectionSubjects.contains(subject) {
            try checkParameters(arguments, accepted: [], subject: subject, usage: "inspect \(subject)")
            return try method.inspect(subject)
        }
        let known = subjectNames(session)
        let hint = Suggestion.nearest(to: subject, in: known).map { "; did you mean '\($0)'?" } ?? ""
        throw CommandError("inspect: unknown subject '\(subject)'\(hint) (available now: \(known.joined(separator: ", ")))")
    }

    /// Host subjects, then those of the active methods.
    static func subjectNames(_ session: Session) -> [String] {
        subjects.map(\.name) + session.methods.methods.compactMap { $0 as? Inspectable }.flatMap(\.inspectionSubjects)
    }

    private static func checkParameters(_ arguments: CommandArguments, accepted: [String], subject: String, usage: String) throws {
        for (name, _) in arguments.invocation.named where !accepted.contains(name) {
            let hint = Suggestion.nearest(to: name, in: accepted).map { "; did you mean '\($0)'?" } ?? ""
            let known = accepted.isEmpty ? "it takes none" : "it takes " + accepted.joined(separator: ", ")
            throw CommandError("inspect \(subject): unknown argument '\(name)'\(hint) (\(known); usage: \(usage))")
        }
    }
}

extension Value {
    /// A JSON value as a REPL value: objects become records with sorted field names, null
    /// becomes `()` (printed as JSON null).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .void
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .int(i)
        case let .number(d): self = .double(d)
        case let .string(s): self = .string(s)
        case let .array(items): self = .array(items.map(Value.init(json:)))
        case let .object(members):
            self = .record(Record(members.keys.sorted().map { ($0, Value(json: members[$0]!)) }))
        }
    }
}
