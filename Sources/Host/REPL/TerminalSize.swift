import Foundation

/// The terminal's size, for progress bars and completion listings.
public enum TerminalSize {
    /// Columns of the terminal on `descriptor`, else `$COLUMNS`, else 80.
    public static func columns(of descriptor: Int32 = STDOUT_FILENO) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let value = Int(text), value > 0 { return value }
        return 80
    }
}
