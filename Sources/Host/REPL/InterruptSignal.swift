import Compute
import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) into a request to stop the running work rather than the process.
///
/// SIGINT's default action is ignored and a dispatch source receives it instead: while work
/// runs (`whileWorking`) it calls `Interruption.request()`, which long loops check at safe
/// points. At a libedit prompt Ctrl-C arrives as a key, not a signal (`LineEditor`), so the
/// signal is seen outside work only when input is not a terminal: then `whenIdle` runs.
public final class InterruptSignal {
    public static let shared = InterruptSignal()

    /// Runs for a SIGINT that arrives while no work runs (on the signal queue).
    public var whenIdle: (() -> Void)? {
        get { lock.wait(); defer { lock.signal() }; return idleAction }
        set { lock.wait(); idleAction = newValue; lock.signal() }
    }

    private let lock = DispatchSemaphore(value: 1)
    private let queue = DispatchQueue(label: "strata.sigint")
    private var source: DispatchSourceSignal?
    private var working = false
    private var idleAction: (() -> Void)?

    private init() {}

    /// Starts listening for SIGINT (once per process; later calls do nothing).
    public func install() {
        lock.wait(); defer { lock.signal() }
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
        source.setEventHandler { [weak self] in self?.received() }
        source.resume()
        self.source = source
    }

    /// Runs `work` with Ctrl-C mapped to `Interruption.request()`; a stale request from
    /// before is cleared first.
    public func whileWorking<T>(_ work: () throws -> T) rethrows -> T {
        Interruption.reset()
        setWorking(true)
        defer { setWorking(false) }
        return try work()
    }

    private func setWorking(_ value: Bool) {
        lock.wait(); working = value; lock.signal()
    }

    private func received() {
        lock.wait()
        let (isWorking, action) = (working, idleAction)
        lock.signal()
        if isWorking { Interruption.request() } else { action?() }
    }
}
