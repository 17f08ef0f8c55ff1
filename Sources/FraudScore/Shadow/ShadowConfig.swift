/// `--shadow*`: a second model that scores requests off the request path.
public struct ShadowConfig: Sendable {
    /// The shadow model's source (any `--model` form, e.g. `models:/fraud@challenger`).
    public var model: String
    /// Share of `/predict` requests also scored by the shadow, chosen by a hash of the transaction
    /// id (so a transaction is always in or always out).
    public var sampleRate = 1.0
    /// Requests waiting for the shadow at most; more are dropped and counted.
    public var queueCapacity = 10_000
    /// Where the comparison records go: a file (JSON lines, appended) or `s3://bucket/prefix/`
    /// (one object per batch); nil: metrics only.
    public var records: String?
    /// Records per batch written to the sink, and the longest a record waits for its batch.
    public var recordBatchSize = 1_000
    public var recordFlushMs = 1_000
    /// Batches waiting for a slow sink at most; more are dropped and counted.
    public var maxPendingBatches = 8

    public init(model: String) { self.model = model }
}
