import Compute

/// `seed`, `threads`, `show`, `help`, `quit`.
enum SessionCommands {
    static var all: [CommandSpec] { [seed, threads, show, help, quit] }

    static let seed = CommandSpec(name: "seed", usage: "seed N", summary: "Set the seed every random choice flows from.") { session, args in
        guard case let .int(n)? = args.positional.first, n >= 0 else {
            throw CommandError("seed: give a non-negative integer, e.g. `seed 42`")
        }
        session.setSeed(UInt64(n))
        return .record(Record([("seed", .int(n))]))
    }

    static let threads = CommandSpec(name: "threads", usage: "threads N",
                                     summary: "Threads for OpenBLAS and the core's parallel loops.") { session, args in
        guard case let .int(n)? = args.positional.first else {
            session.say("threads: \(Threads.count)", args)
            return .record(Record([("threads", .int(Threads.count))]))
        }
        try Threads.set(n)
        return .record(Record([("threads", .int(n))]))
    }

    static let show = CommandSpec(name: "show", usage: "show", summary: "The session: model, seed, threads, data.") { session, args in
        var record = Record([("seed", .int(Int(session.seed))), ("threads", .int(Threads.count))])
        if let model = session.model {
            let c = model.model.config
            record["model"] = .string(model.name)
            record["source"] = .string(model.source.description)
            record["layers"] = .int(c.layerCount)
            record["d_model"] = .int(c.hiddenSize)
        } else {
            record["model"] = .string("none")
        }
        if let data = session.dataDescription { record["data"] = .string(data) }
        // Each active method's own report (`hierlora` prints its block split).
        var methodLines: [String] = []
        for method in session.methods.methods {
            let report = method.report()
            record["method." + method.name] = .record(Record(report.map { (String($0.0.drop(while: { $0 == " " })), Value.string($0.1)) }))
            methodLines.append("\(method.name):" + report.map { "\n  \($0.0): \($0.1)" }.joined())
        }
        let fields = record.fields.filter { !$0.name.hasPrefix("method.") }
        session.say((fields.map { "\($0.name): \($0.value)" } + methodLines).joined(separator: "\n"), args)
        return .record(record)
    }

    static let help = CommandSpec(name: "help", usage: "help [COMMAND]", summary: "List commands, or describe one.") { session, args in
        if let name = args.optionalString(at: 0) {
            if session.spec(named: name) == nil, session.plugins.names.contains(name) || (try? session.plugins.registration(named: name)) != nil {
                let registration = try session.plugins.registration(named: name)
                session.say(registration.help, args)
                return .record(Record([("method", .string(registration.name)), ("help", .string(registration.help))]))
            }
            guard let spec = session.spec(named: name) else {
                let hint = Suggestion.nearest(to: name, in: session.commandNames).map { "; did you mean '\($0)'?" } ?? ""
                throw CommandError("help: no command '\(name)'\(hint)")
            }
            let details = spec.details?(session) ?? []
            session.say((["\(spec.usage)", "  \(spec.summary)"] + details).joined(separator: "\n"), args)
            return .record(Record([("command", .string(spec.name)), ("usage", .string(spec.usage)), ("summary", .string(spec.summary)),
                                   ("details", .array(details.map(Value.string)))]))
        }
        let width = (session.commandNames.map(\.count).max() ?? 0) + 2
        let lines = session.commandNames.compactMap(session.spec(named:)).map {
            $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + $0.summary
        }
        session.say(lines.joined(separator: "\n"), args)
        return .record(Record([("commands", .array(session.commandNames.map(Value.string)))]))
    }

    static let quit = CommandSpec(name: "quit", usage: "quit", summary: "End the session.") { session, _ in
        session.requestQuit()
        return .void
    }
}
