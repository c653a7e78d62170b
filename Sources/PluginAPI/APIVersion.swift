/// The version of the host–plugin contract. A plugin built against another version is
/// refused at load time with a message naming both versions.
public enum PluginAPIVersion {
    /// Emitted into the client, so a plugin records the version it was compiled against
    /// rather than reading the host's value at run time.
    @_alwaysEmitIntoClient
    public static var current: Int { 1 }
}
