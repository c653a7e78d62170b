/// The version of the host–plugin contract. A plugin built against another version is
/// refused at load time with a message naming both versions.
public enum PluginAPIVersion {
    public static let current = 1
}
