import Foundation
import XCTest

/// A command running in a detached tmux session of fixed size, for tests that need a real
/// terminal: send keys, wait for text on the screen, capture it, kill it.
///
/// Each session uses its own tmux server socket and no configuration file, so it neither
/// sees nor disturbs the user's tmux. The command is the pane's own process (no shell in
/// between, so Ctrl-C reaches only it); when it ends the pane stays, so its last output can
/// still be captured and its exit status read.
final class TmuxSession {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static var tmuxPath: String? {
        ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The tmux server's socket file (removed by `kill`).
    let socket: String
    private let tmux: String
    private var killed = false

    /// Starts `command` (words, quoted for the shell here) with `environment` added.
    /// Throws `XCTSkip` when tmux is not installed (`apt-get install -y tmux`).
    init(command: [String], environment: [String: String] = [:], width: Int = 100, height: Int = 30) throws {
        guard let tmux = Self.tmuxPath else { throw XCTSkip("tmux is not installed (apt-get install -y tmux)") }
        self.tmux = tmux
        socket = FileManager.default.temporaryDirectory
            .appendingPathComponent("strata-tmux-\(getpid())-\(UUID().uuidString.prefix(8))").path
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        try run(["start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
                 "new-session", "-d", "-s", "main", "-x", "\(width)", "-y", "\(height)", "--", "/usr/bin/env"]
                + assignments + command)
    }

    deinit { kill() }

    /// Sends tmux key names (`Enter`, `Tab`, `Up`, `C-r`, `C-c`, `C-d`) or literal text.
    func send(keys: String...) throws {
        try run(["send-keys", "-t", "main"] + keys)
    }

    /// Types `text` literally (no key-name lookup).
    func type(_ text: String) throws {
        try run(["send-keys", "-t", "main", "-l", text])
    }

    /// The screen and its scrollback, wrapped lines joined, trailing blanks removed.
    func capture() throws -> String {
        try run(["capture-pane", "-p", "-J", "-t", "main", "-S", "-1000"])
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
            .trimmingCharacters(in: .newlines)
    }

    /// Waits until the screen satisfies `condition`, polling; throws with the screen on timeout.
    @discardableResult
    func wait(timeout: Double = 20, for what: String, until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if condition(screen) { return screen }
            usleep(50_000)
        }
        throw Failure(description: "timed out after \(timeout)s waiting for \(what); screen:\n\(screen)")
    }

    /// Waits until `text` appears on the screen at least `count` times.
    @discardableResult
    func waitFor(_ text: String, count: Int = 1, timeout: Double = 20) throws -> String {
        try wait(timeout: timeout, for: "\(count)× \"\(text)\"") { $0.components(separatedBy: text).count - 1 >= count }
    }

    /// Waits for the command to end and returns its exit status, or nil when tmux saw the
    /// pane close but has not reaped the process (tmux 3.3 sometimes leaves it a zombie).
    @discardableResult
    func waitForExit(timeout: Double = 20) throws -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        var deadSince: Date?
        while Date() < deadline {
            let state = try run(["display-message", "-p", "-t", "main", "#{pane_dead}:#{pane_dead_status}"])
                .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", omittingEmptySubsequences: false)
            if state.first == "1" {
                if state.count > 1, let status = Int(state[1]) { return status }
                if let since = deadSince, Date().timeIntervalSince(since) > 1 { return nil }
                deadSince = deadSince ?? Date()
            }
            usleep(50_000)
        }
        throw Failure(description: "timed out after \(timeout)s waiting for the command to end; screen:\n\((try? capture()) ?? "")")
    }

    /// Ends the session and its tmux server.
    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? run(["kill-server"])
        try? FileManager.default.removeItem(atPath: socket)
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        // Spawned and reaped here rather than with Foundation's Process, whose wait did not
        // return for the tmux client that starts the server. Output goes to a file, not a
        // pipe: the server keeps the descriptors it inherited, so a pipe would never end.
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("strata-tmux-output-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([tmux, "-S", socket, "-f", "/dev/null"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS are macros Swift cannot import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
