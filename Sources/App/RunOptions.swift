/// What `spikesae train` or `spikesae search` was asked to do.
public struct RunOptions {
    public var configPath: String?
    public var dataPath: String?
    public var outDir: String
    public var overrides: [String] = []
    public var resume = false
    public var force = false
    /// Stop, checkpointed and resumable, after this many epochs (train) or finished trials (search)
    /// of this invocation.
    public var stopAfter: Int? = nil
    /// Debugging aid (`train --debug-fail-rank R`): group rank R fails while loading the data, so a
    /// user or a test can see that a failure on one rank ends every rank cleanly.
    public var debugFailRank: Int? = nil
    public init(outDir: String) { self.outDir = outDir }
}
