import Dispatch

/// A process-wide "stop what you are doing" request, raised by Ctrl-C in the REPL.
///
/// Long loops (training steps, evaluation batches, generation, calibration) call
/// `Interruption.check()` at safe points; it throws `Interrupted` once, so the work stops
/// with its state intact and the REPL carries on.
public enum Interruption {
    nonisolated(unsafe) private static var requested = false
    private static let lock = DispatchSemaphore(value: 1)

    /// Asks the running work to stop (safe to call from a signal-handling context's queue).
    public static func request() {
        lock.wait(); requested = true; lock.signal()
    }

    /// Clears a pending request (at the start of each command).
    public static func reset() {
        lock.wait(); requested = false; lock.signal()
    }

    public static var isRequested: Bool {
        lock.wait(); defer { lock.signal() }
        return requested
    }

    /// Throws `Interrupted` (and clears the request) if a stop was asked for.
    public static func check() throws {
        lock.wait()
        let stop = requested
        requested = false
        lock.signal()
        if stop { throw Interrupted() }
    }
}

/// Thrown at a safe point after Ctrl-C; the work done so far is kept.
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted (work done so far is kept)" }
}
